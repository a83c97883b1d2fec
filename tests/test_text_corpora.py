"""The text reader measured on the labelled report corpora (scripts/evaluate_text.py).

``reports_tune.jsonl`` (written for this work), ``reports_tune_b.jsonl`` (written
blind by someone else, measured twice on frozen rules, then tuned on),
``reports_tune_c.jsonl`` (the first blind set, measured once on the rules frozen at
d5339ee, then tuned on), ``reports_tune_d.jsonl`` (the second blind set, measured
once on the rules frozen at d4dd1fe, then tuned on in round five) and
``reports_tune_e.jsonl`` (the third blind set, measured once on the rules frozen at
fb06297, then tuned on in round six), ``reports_tune_f.jsonl`` (the fourth blind set,
measured once on the rules frozen at 7599be6, then tuned on in round seven) and
``reports_tune_g.jsonl`` (the fifth blind set, measured once on the rules frozen at
c0331e7, then tuned on in round eight), ``reports_tune_h.jsonl`` (the sixth, measured
once at c593638) and ``reports_tune_i.jsonl`` (the seventh, measured once at 0361e9e),
both tuned on in round nine, ``reports_tune_j.jsonl`` (the eighth, measured once at
3e50903, tuned on in round ten), ``reports_tune_k.jsonl`` (the ninth, measured once at
7b4a31e) and ``reports_tune_l.jsonl`` (the eleventh, measured once at 3f5fb29), both tuned
on in round eleven, ``reports_tune_m.jsonl`` (the twelfth, measured once at ed89685,
tuned on in round twelve), ``reports_tune_n.jsonl`` (the thirteenth, measured once at
19d0624, tuned on in round thirteen), ``reports_tune_o.jsonl`` (the fourteenth, measured
once at 8779801), ``reports_tune_p.jsonl`` (the fifteenth, measured once at 45f1046,
tuned on in round fourteen) and ``reports_tune_q.jsonl`` (the sixteenth, measured once at
dee1f24, tuned on in rounds fifteen and sixteen), ``reports_tune_r.jsonl`` (the
seventeenth, measured once at fd4d507), ``reports_tune_s.jsonl`` (the eighteenth, measured
once at dfd1299, tuned on in round eighteen), ``reports_tune_t.jsonl`` (the nineteenth,
measured once at 2350c85, tuned on in round nineteen), ``reports_tune_u.jsonl`` (the
twentieth, measured once at 15d42ca, tuned on in round twenty), ``reports_tune_v.jsonl``
(the twenty-first, measured once at 7b74b27, tuned on in round twenty-one),
``reports_tune_w.jsonl`` (the twenty-second, measured once at fa8b6cc, tuned on in round
twenty-two), ``reports_tune_x.jsonl`` (the twenty-third, measured once at 466cc36, tuned
on in round twenty-three), ``reports_tune_y.jsonl`` (the twenty-fifth, measured once at
4971259, tuned on in round twenty-five), ``reports_tune_z.jsonl`` (the twenty-sixth,
measured once at fba8ea7, tuned on in round twenty-six) and ``reports_tune_aa.jsonl`` (the
twenty-seventh, measured once at f902743, tuned on in round twenty-seven) and
``reports_tune_ab.jsonl`` (the twenty-ninth, measured once at f2b35ba, tuned on in round
twenty-nine), ``reports_tune_ac.jsonl`` (the thirtieth, measured once at 40bfd3d, tuned on
in round thirty), ``reports_tune_ad.jsonl`` / ``reports_tune_ae.jsonl`` (the thirty-first
and thirty-second, measured once at 3f7b7f7, tuned on in round thirty-one) and
``reports_tune_af.jsonl`` / ``reports_tune_ag.jsonl`` (the thirty-sixth and thirty-fifth,
measured once at 94a1cd1 and f2c3fd3, tuned on in rounds thirty-six and thirty-five) and
``reports_tune_ah.jsonl`` / ``reports_tune_ai.jsonl`` (the thirty-eighth and thirty-ninth,
measured once at 9711495, tuned on in round thirty-seven) and ``reports_tune_aj.jsonl`` (the
fortieth, measured once at 1225523, tuned on in round thirty-eight) and
``reports_tune_ak.jsonl`` / ``reports_tune_al.jsonl`` (the forty-second and forty-fourth,
measured once at 39003aa and c897677, read) and ``reports_tune_am.jsonl`` (the forty-sixth,
measured once at 5621e7a, tuned on in round thirty-nine) and ``reports_tune_an.jsonl`` /
``reports_tune_ao.jsonl`` (the forty-eighth and forty-ninth, measured once at 1c5701c, tuned
on in rounds forty and forty-two) and ``reports_tune_ap.jsonl`` / ``reports_tune_aq.jsonl`` (the fifty-first
and fifty-second, measured once at 6cddd7f, tuned on in round forty-one) and
``reports_tune_ar.jsonl`` / ``reports_tune_as.jsonl`` (the fifty-fourth and fifty-fifth,
measured once at f62ea69, tuned on in round forty-two) and ``reports_tune_at.jsonl`` /
``reports_tune_au.jsonl`` (the fifty-seventh and fifty-eighth, measured once at 025dd64,
tuned on in round forty-three) and ``reports_tune_av.jsonl`` / ``reports_tune_aw.jsonl`` (the
sixtieth and sixty-first, measured once at 68d1087, tuned on in round forty-four) and
``reports_tune_ax.jsonl`` / ``reports_tune_ay.jsonl`` (the sixty-third and sixty-fourth,
measured once at e6ec2f9, tuned on in round forty-five) and ``reports_tune_az.jsonl`` /
``reports_tune_ba.jsonl`` (the seventy-third and seventy-fourth, measured once at 27e9fb0,
tuned on in round forty-six) and ``reports_tune_bb.jsonl`` / ``reports_tune_bc.jsonl`` (the
seventy-ninth and eightieth, measured once at ccb85a2, tuned on in round forty-seven) and
``reports_tune_bd.jsonl`` / ``reports_tune_be.jsonl`` (the eighty-third and eighty-fourth,
measured once at 920adcd, tuned on in round forty-eight) and ``reports_tune_bf.jsonl`` to
``reports_tune_bh.jsonl`` (the eighty-seventh to eighty-ninth, measured once at 1d06b3b, tuned
on in round forty-nine) and ``reports_tune_bi.jsonl`` / ``reports_tune_bj.jsonl`` (the
ninety-third and ninety-fourth, measured once at e67de76, tuned on in round fifty) and
``reports_tune_bk.jsonl`` / ``reports_tune_bl.jsonl`` (the ninety-seventh and ninety-eighth,
measured once at 2d455a2, tuned on in round fifty-one) and ``reports_tune_bm.jsonl`` /
``reports_tune_bn.jsonl`` (the hundred-and-first and hundred-and-second, measured once at
e9fd48f, tuned on in round fifty-two) and ``reports_tune_bo.jsonl`` / ``reports_tune_bp.jsonl``
(the hundred-and-fifth and hundred-and-sixth, measured once at e134ea7, tuned on in round
fifty-three) and ``reports_tune_bq.jsonl`` / ``reports_tune_br.jsonl`` (the hundred-and-ninth and
hundred-and-tenth, measured once at 430d180, tuned on in round fifty-four) and
``reports_tune_bs.jsonl`` / ``reports_tune_bt.jsonl`` (the hundred-and-eleventh and
hundred-and-twelfth, measured once at bb659b7, tuned on in round fifty-five) and
``reports_tune_bu.jsonl`` / ``reports_tune_bv.jsonl`` (the hundred-and-fifteenth and
hundred-and-sixteenth, measured once at 97b53fa, tuned on in round fifty-six) and
``reports_tune_bw.jsonl`` / ``reports_tune_bx.jsonl`` (the hundred-and-seventeenth and
hundred-and-eighteenth, measured once at 3b5a14a, tuned on in round fifty-seven) and
``reports_tune_by.jsonl`` / ``reports_tune_bz.jsonl`` (the hundred-and-twenty-first and
hundred-and-twenty-second, measured once at a412876, tuned on in round fifty-eight) and
``reports_tune_ca.jsonl`` / ``reports_tune_cb.jsonl`` (the hundred-and-twenty-fifth and
hundred-and-twenty-sixth, measured once at 4dbcec8, tuned on in round fifty-nine) and
``reports_tune_cc.jsonl`` / ``reports_tune_cd.jsonl`` (the hundred-and-twenty-ninth and
hundred-and-thirtieth, measured once at 3d6444b, tuned on in round sixty) and
``reports_tune_ce.jsonl`` / ``reports_tune_cf.jsonl`` (the hundred-and-thirty-first and
hundred-and-thirty-second, measured once at 1cc3fc3, tuned on in round sixty-one) and
``reports_tune_cg.jsonl`` / ``reports_tune_ch.jsonl`` (the hundred-and-thirty-fifth and
hundred-and-thirty-sixth, measured once at 3e51350, tuned on in round sixty-two) and
``reports_tune_ci.jsonl`` / ``reports_tune_cj.jsonl`` (the hundred-and-thirty-seventh and
hundred-and-thirty-eighth, measured once at c350723, tuned on in round sixty-three) and
``reports_tune_ck.jsonl`` / ``reports_tune_cl.jsonl`` (the hundred-and-forty-first and
hundred-and-forty-second, measured once at 6dd96b2, tuned on in round sixty-four) and
``reports_tune_cm.jsonl`` / ``reports_tune_cn.jsonl`` (the hundred-and-forty-third and
hundred-and-forty-fourth, measured once at c770739, tuned on in round sixty-five) and
``reports_tune_co.jsonl`` / ``reports_tune_cp.jsonl`` (the hundred-and-forty-seventh and
hundred-and-forty-eighth, measured once at 8b93fc6, tuned on in round sixty-six) and
``reports_tune_cq.jsonl`` / ``reports_tune_cr.jsonl`` (the hundred-and-fifty-first and
hundred-and-fifty-second, measured once at a331c1c, tuned on in round sixty-seven) and
``reports_tune_cs.jsonl`` / ``reports_tune_ct.jsonl`` (the hundred-and-fifty-fifth and
hundred-and-fifty-sixth, measured once at a8c6144, tuned on in round sixty-eight) and
``reports_tune_cu.jsonl`` / ``reports_tune_cv.jsonl`` (the hundred-and-fifty-ninth and
hundred-and-sixtieth, measured once at 0a657cc, tuned on in round sixty-nine) and
``reports_tune_cw.jsonl`` / ``reports_tune_cx.jsonl`` (the hundred-and-sixty-third and
hundred-and-sixty-fifth, measured once at ed90d59, tuned on in round seventy) and
``reports_tune_cy.jsonl`` / ``reports_tune_cz.jsonl`` (the hundred-and-sixty-seventh and
hundred-and-sixty-ninth, measured once at 38eb4b7, tuned on in round seventy-one) and
``reports_tune_da.jsonl`` / ``reports_tune_db.jsonl`` (the hundred-and-seventy-first and
hundred-and-seventy-third, measured once at 4bcc2e4, tuned on in round seventy-two) and
``reports_tune_dc.jsonl`` / ``reports_tune_dd.jsonl`` (the hundred-and-seventy-fifth and
hundred-and-seventy-seventh, measured once at d691150, tuned on in round seventy-three) and
``reports_tune_de.jsonl`` / ``reports_tune_df.jsonl`` (the hundred-and-seventy-ninth and
hundred-and-eighty-first, measured once at b8cebe5, tuned on in round seventy-four) and
``reports_tune_dg.jsonl`` / ``reports_tune_dh.jsonl`` (the hundred-and-eighty-third and
hundred-and-eighty-fifth, measured once at 92134b4, tuned on in round seventy-five) and
``reports_tune_di.jsonl`` / ``reports_tune_dj.jsonl`` (the hundred-and-eighty-seventh and
hundred-and-eighty-ninth, measured once at 3267ac5, tuned on in round seventy-six) and
``reports_tune_dk.jsonl`` / ``reports_tune_dl.jsonl`` (the hundred-and-ninety-first and
hundred-and-ninety-third, measured once at b144426, tuned on in round seventy-seven) and
``reports_tune_dm.jsonl`` / ``reports_tune_dn.jsonl`` (the hundred-and-ninety-fifth and
hundred-and-ninety-seventh, measured once at 68c94c2, tuned on in round seventy-eight) and
``reports_tune_do.jsonl`` / ``reports_tune_dp.jsonl`` (the hundred-and-ninety-ninth and
two-hundred-and-first, measured once at 3953cca, tuned on in round seventy-nine) and
``reports_tune_dq.jsonl`` / ``reports_tune_dr.jsonl`` (the two-hundred-and-third and
two-hundred-and-fifth, measured once at 2155cbb's rules, tuned on in round eighty) and
``reports_tune_ds.jsonl`` / ``reports_tune_dt.jsonl`` (the two-hundred-and-seventh and
two-hundred-and-ninth, measured once at 5b48be9's rules, tuned on in round eighty-one) and
``reports_tune_du.jsonl`` / ``reports_tune_dv.jsonl`` (the two-hundred-and-eleventh and
two-hundred-and-thirteenth, measured once at d8b8f95, tuned on in round eighty-two) and
``reports_tune_dw.jsonl`` / ``reports_tune_dx.jsonl`` (the two-hundred-and-fifteenth and
two-hundred-and-seventeenth, measured once at 4b0cb0f's rules, tuned on in round eighty-three) and
``reports_tune_dy.jsonl`` / ``reports_tune_dz.jsonl`` (the two-hundred-and-nineteenth and
two-hundred-and-twenty-first, measured once at 5cc7146's rules, tuned on in round eighty-four) and
``reports_tune_ea.jsonl`` ... ``reports_tune_ed.jsonl`` (the two-hundred-and-twenty-third, -fifth,
-seventh and -ninth, measured once at 23c6558's rules, tuned on in round eighty-five) and
``reports_tune_ee.jsonl`` ... ``reports_tune_eh.jsonl`` (the two-hundred-and-thirty-first, -third,
-fifth and -seventh, measured once at ab9c645's rules, tuned on in round eighty-seven) and
``reports_tune_ei.jsonl`` / ``reports_tune_ej.jsonl`` (the two-hundred-and-thirty-ninth and
two-hundred-and-forty-first, measured once at 3460366's rules) and ``reports_tune_ek.jsonl`` /
``reports_tune_el.jsonl`` (the two-hundred-and-forty-third and -fifth, measured once at 7d47f40's
rules), tuned on in round eighty-eight, and ``reports_tune_em.jsonl`` / ``reports_tune_en.jsonl``
(the two-hundred-and-forty-seventh and -ninth, measured once at f52152e's rules, tuned on in round
eighty-nine) and ``reports_tune_eo.jsonl`` / ``reports_tune_ep.jsonl`` (the two-hundred-and-fifty-first
and -third, measured once at 5f3dc55's rules, not yet tuned on) are the
material the rules were tuned on: no miss, no wrong CT but the texts named in
``TUNING_FLOORS`` whose label no general rule can reach, and each keeps the field
figures measured on it (docs/text.md).
``reports_test.jsonl`` and ``reports_test_b.jsonl`` ... ``reports_test_de.jsonl`` are held-out
sets (the twenty-fourth, twenty-eighth, thirty-third, thirty-fourth, thirty-seventh,
forty-first, forty-third, forty-fifth, forty-seventh, fiftieth, fifty-third, fifty-sixth,
fifty-ninth, sixty-second, sixty-fifth to seventy-second, seventy-fifth to seventy-eighth,
eighty-first, eighty-second, eighty-fifth, eighty-sixth, ninetieth to ninety-second, ninety-fifth,
ninety-sixth, ninety-ninth, hundredth, hundred-and-third, hundred-and-fourth,
hundred-and-seventh, hundred-and-eighth, hundred-and-thirteenth, hundred-and-fourteenth,
hundred-and-nineteenth, hundred-and-twentieth, hundred-and-twenty-third,
hundred-and-twenty-fourth, hundred-and-twenty-seventh, hundred-and-twenty-eighth,
hundred-and-thirty-third, hundred-and-thirty-fourth, hundred-and-thirty-ninth, hundred-and-fortieth,
hundred-and-forty-fifth, hundred-and-forty-sixth, hundred-and-forty-ninth, hundred-and-fiftieth,
hundred-and-fifty-third, hundred-and-fifty-fourth, hundred-and-fifty-seventh,
hundred-and-fifty-eighth, hundred-and-sixty-first, hundred-and-sixty-second, hundred-and-sixty-fourth,
hundred-and-sixty-sixth, hundred-and-sixty-eighth, hundred-and-seventieth, hundred-and-seventy-second,
hundred-and-seventy-fourth, hundred-and-seventy-sixth, hundred-and-seventy-eighth, hundred-and-eightieth,
hundred-and-eighty-second, hundred-and-eighty-fourth, hundred-and-eighty-sixth, hundred-and-eighty-eighth,
hundred-and-ninetieth, hundred-and-ninety-second, hundred-and-ninety-fourth, hundred-and-ninety-sixth,
hundred-and-ninety-eighth, two-hundredth, two-hundred-and-second, two-hundred-and-fourth,
two-hundred-and-sixth, two-hundred-and-eighth, two-hundred-and-tenth, two-hundred-and-twelfth,
two-hundred-and-fourteenth, two-hundred-and-sixteenth, two-hundred-and-eighteenth,
two-hundred-and-twentieth, two-hundred-and-twenty-second, two-hundred-and-twenty-fourth,
two-hundred-and-twenty-sixth, two-hundred-and-twenty-eighth, two-hundred-and-thirtieth,
two-hundred-and-thirty-second, two-hundred-and-thirty-fourth, two-hundred-and-thirty-sixth,
two-hundred-and-thirty-eighth, two-hundred-and-fortieth, two-hundred-and-forty-second,
two-hundred-and-forty-fourth, two-hundred-and-forty-sixth, two-hundred-and-forty-eighth,
two-hundred-and-fiftieth, two-hundred-and-fifty-second and two-hundred-and-fifty-fourth blind
sets), written
by someone who never saw the rules and measured once on the rules frozen at 4971259, f2b35ba,
77d0b6c (both c and d), 9711495, a3fc18a (f, g, and h at c897677, the same rules), 9a847ef,
84ba10b, 5f0ecf3, 528e917, 669b511, 2290175, e28a7af (o to v), 27e9fb0 (w), 920adcd (x to ab)
4d45220 (ac, ad), 2d455a2 (ae to ai), ce33ebf (aj, ak), c1e6a90 (al to aq), a412876 (ar, as), 23690c4 (at, au), 3e51350 (av to ay), e29a90d (az to bc), 5500bcb (bd to bi), 0a657cc (bj, bk), ed90d59 (bl, bm), 38eb4b7 (bn, bo), 4bcc2e4 (bp, bq), d691150 (br, bs), b8cebe5 (bt, bu), 92134b4 (bv, bw), 3267ac5 (bx, by), b144426 (bz, ca), 68c94c2 (cb, cc), 3953cca (cd, ce), 2155cbb (cf, cg), 5b48be9 (ch, ci), d8b8f95 (cj, ck), 4b0cb0f (cl, cm), 5cc7146 (cn, co), 23c6558 (cp to cs), ab9c645 (ct to cw), 3460366 (cx, cy), 7d47f40 (cz, da), f52152e (db, dc) and 5f3dc55 (dd, de); their errors
are not read. The absence of one is a failure, not a skip. Each held-out set is held to floors equal to the
figures measured once on it (``HELD_OUT_FLOORS``), so a later change may not read it worse; the issue's targets
(outcome >= 0.97, laterality >= 0.95, no wrong CT, missed <= 2%) are reported in
docs/text.md, not asserted: a blind set measured once below a target would otherwise
fail every run from then on.
"""

import json
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import evaluate_text  # noqa: E402

DATA = ROOT / "tests" / "data"
# The figures measured on each tuning corpus: a change to the rules may not lower them.
# Round 49 lowered mass, laterality and organ of nine of the first tuning corpora (tune, e-i,
# l-o): their writers labelled 16 plain adrenal haemorrhages ("Left adrenal haemorrhage,
# 2.4 cm") mass "unknown", where 207 texts of all the corpora label one "present" with its
# side. Reading it as the lesion set right 155 texts of the tuning corpora (docs/text.md).
TUNING_FLOORS = {
    # Round thirty-seven reads an origin only guessed at as the mass's when it is an ovary or
    # the liver (``guessed_origins``: the reading that sends no child to CT). It mended four
    # wrong CTs (two of them on fresh sets) and misses seven masses whose writers labelled a
    # guessed ovary or liver "other": m-100 and m-359 (reports_tune_e), q19-103 (_t), q22-101
    # and q22-357 (_w), q23-353 (_x), q29-118 (_ab).
    # Round fifty-six: "Lt adrenal haem, 2cm" is read as the lesion, as "adrenal haemorrhage"
    # is (labelled unknown here, present in the 116th).
    "reports_tune.jsonl": {"outcome": 1.0, "mass": 0.992, "calcification": 0.998,
                           "laterality": 0.997, "organ": 0.996, "follow_up": 1.0},
    "reports_tune_b.jsonl": {"outcome": 1.0, "mass": 1.0, "calcification": 1.0,
                             "laterality": 1.0, "organ": 0.994, "follow_up": 1.0},
    # laterality 0.958 -> 0.955 in round five: "?Left renal mass ..." (h-116) is now read as
    # the hedged mass it is (mass 0.949 -> 0.955), and a hedged mass has no side in the
    # tuning labels; this writer gave it one (docs/text.md, labelling conventions).
    # follow_up 0.976 -> 0.970 (c) and 0.966 -> 0.963 (d) in round nine: a teratoma of the
    # child's own past is now the tumour's follow-up, as the later writers label it (the
    # conventions given to every writer since: "the child's OWN tumour, current or past");
    # these two writers labelled a resected teratoma no follow-up (h-180, h-183, k-065).
    # organ 0.946 -> 0.943 (c) and 0.952 -> 0.949 (e) in round ten: a hedge that ends its
    # clause ("is likely.") no longer hides the forward "likely", so "Origin is likely
    # retroperitoneal" is a hedged organ (no organ, the convention) where the writer gave one
    # (h-021); "a left adnexal lesion is possibly a haemorrhagic cyst or a solid mass" now
    # names the ovary of a mass labelled unknown (m-106).
    "reports_tune_c.jsonl": {"outcome": 1.0, "mass": 0.955, "calcification": 0.994,
                             "laterality": 0.955, "organ": 0.943, "follow_up": 0.97},
    "reports_tune_d.jsonl": {"outcome": 1.0, "mass": 0.96, "calcification": 0.985,
                             "laterality": 0.938, "organ": 0.938, "follow_up": 0.963},
    "reports_tune_e.jsonl": {"outcome": 0.994, "mass": 0.947, "calcification": 0.983,
                             "laterality": 0.95, "organ": 0.933, "follow_up": 0.988,
                             "missed": 2},
    # n-034, "... UPPER POLE MASS THIRTY MM CALCIFIED NO HETERO LEFT KIDNEY NORMAL ...", is
    # labelled calcification absent: in unpunctuated dictation "calcified no" may be the
    # answer to "calcified" or the "no" of the next word, and the tuning texts have both
    # ("MASS WITH CALCIFICATION NO HYDRONEPHROSIS" is calcified). No general rule reads it
    # absent without missing the others, so it stays the one wrong CT (docs/text.md).
    "reports_tune_f.jsonl": {"outcome": 0.997, "mass": 0.944, "calcification": 0.983,
                             "laterality": 0.952, "organ": 0.941, "follow_up": 0.988,
                             "wrongly_recommended": 1},
    # The fifth blind set, measured once at c0331e7 (outcome 0.972, 10 wrong CTs: docs/text.md).
    # Round fifty-six: "RK 7.2 cm, LK 7.4 cm, mass ... (R adrenal)" reads the kidney as the organ.
    "reports_tune_g.jsonl": {"outcome": 1.0, "mass": 0.963, "calcification": 0.975,
                             "laterality": 0.983, "organ": 0.969, "follow_up": 0.997},
    # The sixth blind set, measured once at c593638 (outcome 0.983, 4 wrong CTs, 2 missed).
    "reports_tune_h.jsonl": {"outcome": 1.0, "mass": 0.952, "calcification": 0.994,
                             "laterality": 0.969, "organ": 0.958, "follow_up": 0.991},
    # The seventh blind set, measured once at 0361e9e (outcome 0.975, 6 wrong CTs, 3 missed).
    # Two wrong CTs stay: r-280 "mass with internal haemorrhage and calcification -
    # neuroblastoma" (the flag is haemorrhage as the diagnosis, not within a tumour; the
    # writer labelled it haemorrhage) and r-350 "probably arising from the right ovary" (a
    # hedged organ is no origin; counting it loses more than it gains on the other sets).
    "reports_tune_i.jsonl": {"outcome": 0.997, "mass": 0.955, "calcification": 0.98,
                             "laterality": 0.95, "organ": 0.963, "follow_up": 0.994,
                             "wrongly_recommended": 1},
    # The eighth blind set, measured once at 3e50903 (outcome 0.969, 4 wrong CTs, 7 missed).
    # Laterality 0.972 until round fifty-two, which gives a metastasis's side only when no other
    # mass has one: s-316 "Left adrenal mass 3 cm and a separate 2 cm lesion in the right lobe of
    # the liver (metastasis?)" is labelled bilateral here and such texts left in three later sets.
    "reports_tune_j.jsonl": {"outcome": 1.0, "mass": 0.938, "calcification": 0.975,
                             "laterality": 0.969, "organ": 0.952, "follow_up": 0.991},
    # The ninth blind set, measured once at 7b4a31e (outcome 0.964, 7 wrong CTs, 6 missed).
    # Two wrong CTs stay: u-088 "calcification in the contralateral (left) adrenal" (its side
    # is beyond the reach of the place words) and u-282 "mass with internal hemorrhage and
    # calcification, i.e. neuroblastoma with intratumoral bleed" (labelled haemorrhage, as
    # r-280 above). u-176 stays missed: "Old calcified haematoma of the right adrenal on scans
    # from infancy; today ... a new left adrenal solid mass" tells the past haematoma in the
    # new mass's sentence, where it may be what a lesion is; u-360 "extending into both adnexa, unclear whether ovarian" is
    # read as a bilateral ovarian mass.
    "reports_tune_k.jsonl": {"outcome": 0.988, "mass": 0.916, "calcification": 0.969,
                             "laterality": 0.927, "organ": 0.911, "follow_up": 0.988,
                             "wrongly_recommended": 2, "missed": 2},
    # The eleventh blind set, measured once at 3f5fb29 (outcome 0.986, 2 wrong CTs, 3 missed).
    # v-275 stays missed: "Differential is neuroblastoma vs haemorrhage; neuroblastoma favoured" raises
    # the haemorrhage flag (a flag in a differential is kept: it stops CT, never starts it).
    # calcification 0.983 -> 0.980 in round thirteen: v-142 ("examined for a mass comma
    # calcification or haemorrhage comma and these were excluded") with its spoken commas
    # written out: "these were excluded" no longer reaches back over the comma, so the
    # calcification is only looked for (unknown, labelled absent); the mass is no longer present.
    "reports_tune_l.jsonl": {"outcome": 1.0, "mass": 0.941, "calcification": 0.988,
                             "laterality": 0.975, "organ": 0.958, "follow_up": 0.997},
    # The twelfth blind set, measured once at ed89685 (outcome 0.972, 6 wrong CTs, 4 missed).
    # w-104 stays a wrong CT: "probably ovarian in origin" (a hedged organ, as r-350);
    # w-286 stays missed as v-275 (a differential naming haemorrhage); w-138, unpunctuated
    # dictation ("calcification four point five centimetres renal vein thrombus none seen"),
    # stays missed: "none seen" may be said of the calcification.
    "reports_tune_m.jsonl": {"outcome": 0.997, "mass": 0.958, "calcification": 0.975,
                             "laterality": 0.966, "organ": 0.958, "follow_up": 1.0,
                             "missed": 1},
    # The thirteenth blind set, measured once at 19d0624 (outcome 0.958, 5 wrong CTs, 10 missed).
    # x-287 stays a wrong CT: the eggshell calcification "lies in a separate adjacent cyst; the
    # solid mass itself is free of calcification" (a cyst is no organ to put it elsewhere, and
    # within one text present beats absent). Six stay missed: two raise the haemorrhage flag
    # for a new calcified mass from a request or a differential that sets it aside ("Adrenal
    # haemorrhage was considered, but ...", "appearances are not those of haemorrhage"; the
    # flag from a doubtful mention is kept: it stops CT, never starts it);
    # "Not a cyst:" heading its lesion (x-152); "?hepatic ?adrenal ?renal" hedging the mass
    # (x-107); "calcification seen? yes" (x-143); a nodule read as hedged beside a hernia (x-051).
    "reports_tune_n.jsonl": {"outcome": 0.988, "mass": 0.93, "calcification": 0.972,
                             "laterality": 0.958, "organ": 0.936, "follow_up": 0.997,
                             "wrongly_recommended": 1, "missed": 3},
    # The fourteenth blind set, measured once at 8779801 (outcome 0.989, 2 wrong CTs, 2 missed).
    # Left: y-173 "calcificaton not identifed" (two typos, so no negation is read: a wrong CT),
    # y-011 "a solid mast in the left a drinal region" and y-263 "Solid retroperitoneal tissue
    # ... encasing the renal vessels" (no mass word: missed).
    "reports_tune_o.jsonl": {"outcome": 0.994, "mass": 0.938, "calcification": 0.977,
                             "laterality": 0.961, "organ": 0.95, "follow_up": 0.997,
                             "missed": 2},
    # The fifteenth blind set, measured once at 45f1046 (outcome 0.981, 5 wrong CTs, 2 missed).
    # z-099 stays missed: a differential "?neuroblastoma ?adrenal haemorrhage" raises the flag.
    "reports_tune_p.jsonl": {"outcome": 1.0, "mass": 0.944, "calcification": 0.986,
                             "laterality": 0.969, "organ": 0.958, "follow_up": 1.0},
    # The sixteenth blind set, measured once at dee1f24 (outcome 0.986, 2 wrong CTs, 3 missed),
    # tuned on in rounds fifteen and sixteen.
    # Round fifty-six: "Indeterminate left renal lesion, likely a complex cyst" is a lesion there.
    "reports_tune_q.jsonl": {"outcome": 1.0, "mass": 0.93, "calcification": 0.983,
                             "laterality": 0.969, "organ": 0.966, "follow_up": 1.0},
    # The seventeenth blind set, measured once at fd4d507 (outcome 0.986, 2 wrong CTs, 3 missed);
    # only "argues against" was taken from it (round sixteen). Left: q17-034 "Left overy"
    # (misspelt ovary, so no organ to exclude) and q17-143 "Adrenal mass, calcification,
    # haemorrhage - none seen" (wrong CTs); q17-099 and q17-280, the haemorrhage flag from a
    # differential and from "previously thought to be haemorrhage but ... now favour" (missed).
    "reports_tune_r.jsonl": {"outcome": 0.991, "mass": 0.916, "calcification": 0.961,
                             "laterality": 0.955, "organ": 0.938, "follow_up": 0.997,
                             "wrongly_recommended": 2, "missed": 1},
    # The eighteenth blind set, measured once at dfd1299 (outcome 0.989, 1 wrong CT, 3 missed),
    # tuned on in round eighteen. Its mass field is held back by labels the writers do not share
    # (a lesion "in keeping with adrenal haemorrhage": unknown, absent or a mass).
    "reports_tune_s.jsonl": {"outcome": 1.0, "mass": 0.944, "calcification": 0.98,
                             "laterality": 0.963, "organ": 0.952, "follow_up": 1.0},
    # The nineteenth blind set, measured once at 2350c85 (outcome 0.981, no wrong CT, 7 of 81
    # missed), tuned on in round nineteen. q19-304 stays missed: "right adnexal lesion,
    # probably ovarian" is read as ovarian from "adnexal"; its writer hedged the organ.
    "reports_tune_t.jsonl": {"outcome": 0.994, "mass": 0.947, "calcification": 0.986,
                             "laterality": 0.966, "organ": 0.916, "follow_up": 0.988,
                             "missed": 2},
    # The twentieth blind set, measured once at 15d42ca (outcome 0.992, 2 wrong CTs, 1 of 63
    # missed), tuned on in round twenty. q20-358 stays missed: "nodal mass with calcified
    # nodes" puts the calcification in the nodes, which here are the mass.
    "reports_tune_u.jsonl": {"outcome": 0.997, "mass": 0.922, "calcification": 0.988,
                             "laterality": 0.975, "organ": 0.966, "follow_up": 0.986,
                             "missed": 1},
    # The twenty-first blind set, measured once at 7b74b27 (outcome 0.986, 2 wrong CTs, 3 of 69
    # missed), tuned on in round twenty-one. Since round eighty-five q21-300 is missed: "specks
    # of dense echogenicity and dirty shadowing" is labelled calcification, but dirty shadowing
    # is the sign of gas, and the rule that says so took two wrong CTs away.
    "reports_tune_v.jsonl": {"outcome": 0.997, "mass": 0.897, "calcification": 0.986,
                             "laterality": 0.963, "organ": 0.93, "follow_up": 0.997,
                             "missed": 1},
    # The twenty-second blind set, measured once at fa8b6cc (outcome 0.986, 2 wrong CTs, 3 of
    # 80 missed), tuned on in round twenty-two. q22-174 stays missed: "Today it has enlarged
    # and is now solid with calcification" names the mass only as "it".
    "reports_tune_w.jsonl": {"outcome": 0.991, "mass": 0.947, "calcification": 0.983,
                             "laterality": 0.975, "organ": 0.93, "follow_up": 0.988,
                             "missed": 3},
    # The twenty-third blind set, measured once at 466cc36 (outcome 0.989, 1 wrong CT, 3 of 83
    # missed), tuned on in round twenty-three. q23-032 stays missed: voice recognition wrote
    # "a soli dmass", which is no word one edit from "mass" inside it.
    "reports_tune_x.jsonl": {"outcome": 0.994, "mass": 0.908, "calcification": 0.975,
                             "laterality": 0.961, "organ": 0.938, "follow_up": 0.997,
                             "missed": 2},
    # The twenty-fifth blind set, measured once at 4971259 (outcome 0.992, no wrong CT, 3 of 80
    # missed, laterality 0.950), tuned on in round twenty-five. q25-167 stays missed: "The
    # differential is an unusual calcifying haematoma versus neuroblastoma" leaves a
    # haemorrhage open, and the reader then keeps the child from CT.
    "reports_tune_y.jsonl": {"outcome": 0.997, "mass": 0.897, "calcification": 0.986,
                             "laterality": 0.95, "organ": 0.938, "follow_up": 0.988,
                             "missed": 1},
    # The twenty-sixth blind set, measured once at fba8ea7 (outcome 0.992, 1 wrong CT, 2 of 83
    # missed, laterality 0.981), tuned on in round twenty-six.
    "reports_tune_z.jsonl": {"outcome": 1.0, "mass": 0.922, "calcification": 0.988,
                             "laterality": 0.98, "organ": 0.913, "follow_up": 0.997},
    # The twenty-seventh blind set, measured once at f902743 (outcome 0.989, no wrong CT, 4 of
    # 87 missed, laterality 0.958), tuned on in rounds twenty-seven and thirty. q27-202 stays
    # missed: "Several nodes show coarse calcification" is read as calcification of nodes
    # when the nodes are the mass (a "nodal conglomerate"). Since round fifty-five q27-118
    # too: "better characterised on yesterday's CT, which showed calcification; on ultrasound a
    # few echogenic foci are seen" is the CT's calcification (outcome 0.997, calcification 0.98,
    # 1 missed until then).
    "reports_tune_aa.jsonl": {"outcome": 0.994, "mass": 0.913, "calcification": 0.977,
                              "laterality": 0.963, "organ": 0.919, "follow_up": 0.988,
                              "missed": 2},
    # The twenty-ninth blind set, measured once at f2b35ba (outcome 0.986, 4 wrong CTs, 1 of 84
    # missed, laterality 0.953), tuned on in round twenty-nine. q29-098 stays missed: in
    # "Likely calcified right adrenal neuroblastoma" the hedge may be of the calcification.
    "reports_tune_ab.jsonl": {"outcome": 0.994, "mass": 0.9, "calcification": 0.972,
                              "laterality": 0.955, "organ": 0.936, "follow_up": 0.997,
                              "missed": 2},
    # The thirtieth blind set, measured once at 40bfd3d (outcome 0.994, no wrong CT, 2 of 85
    # missed, laterality 0.956), tuned on in round thirty. q30-355 stays missed: "Both ovaries
    # are seen separately and appear normal" gives the midline pelvic mass an ovary, since
    # "separately" marks an organ that cannot be told apart from the mass ("not seen
    # separately"); a rule that read only "not separately" so lost the organ of tune-608 and
    # tune-860 and sent one of them to CT.
    "reports_tune_ac.jsonl": {"outcome": 0.997, "mass": 0.908, "calcification": 0.977,
                              "laterality": 0.963, "organ": 0.938, "follow_up": 0.983,
                              "missed": 1},
    # The thirty-first and thirty-second blind sets, measured once at 3f7b7f7 (outcome 0.986, 1
    # wrong CT, 4 of 82 missed, laterality 0.975; 0.992, none, 3 of 80, 0.953), tuned on in
    # round thirty-one. q32-210 stays missed: "soft-tissue density" as a mass word made a
    # wrong CT of "calcified soft-tissue density in the right adrenal bed" (tune-846).
    "reports_tune_ad.jsonl": {"outcome": 1.0, "mass": 0.919, "calcification": 0.961,
                              "laterality": 0.975, "organ": 0.922, "follow_up": 0.997},
    "reports_tune_ae.jsonl": {"outcome": 0.997, "mass": 0.913, "calcification": 0.986,
                              "laterality": 0.961, "organ": 0.916, "follow_up": 1.0,
                              "missed": 1},
    # The thirty-sixth blind set, measured once at 94a1cd1 (outcome 0.994, no wrong CT, 2 of 82
    # missed, laterality 0.975), tuned on in round thirty-six.
    "reports_tune_af.jsonl": {"outcome": 1.0, "mass": 0.916, "calcification": 0.988,
                              "laterality": 0.977, "organ": 0.936, "follow_up": 0.997},
    # The thirty-fifth blind set, measured once at f2c3fd3 (outcome 0.986, 2 wrong CTs, 3 of 79
    # missed, laterality 0.953), tuned on in rounds thirty-five and thirty-seven. Left missed:
    # q35-170 (a mass after leukaemia "in remission" is read as follow-up) and q35-273
    # ("haemorrhage vs neuroblastoma" keeps the haemorrhage, a suspected one).
    "reports_tune_ag.jsonl": {"outcome": 0.994, "mass": 0.913, "calcification": 0.983,
                              "laterality": 0.955, "organ": 0.922, "follow_up": 0.983,
                              "missed": 2},
    # The thirty-eighth and thirty-ninth blind sets, measured once at 9711495 (outcome 0.997, 1
    # wrong CT, none of 85 missed, laterality 0.956; 0.994, 1, 1 of 84, 0.967), tuned on in
    # round thirty-seven.
    "reports_tune_ah.jsonl": {"outcome": 1.0, "mass": 0.936, "calcification": 0.986,
                              "laterality": 0.952, "organ": 0.916, "follow_up": 0.994},
    "reports_tune_ai.jsonl": {"outcome": 1.0, "mass": 0.95, "calcification": 0.98,
                              "laterality": 0.969, "organ": 0.938, "follow_up": 0.997},
    # The fortieth blind set, measured once at 1225523 (outcome 0.992, 2 wrong CTs, 1 of 83
    # missed, laterality 0.975), tuned on in round thirty-eight. q40-176 stays missed: a new
    # mass after a resected ganglioneuroma on the other side is read as follow-up.
    "reports_tune_aj.jsonl": {"outcome": 0.997, "mass": 0.911, "calcification": 0.977,
                              "laterality": 0.975, "organ": 0.936, "follow_up": 0.983,
                              "missed": 1},
    # The forty-second blind set, measured once at 39003aa (outcome 1.000, no wrong CT, none of
    # 83 missed, laterality 0.975): read, nothing to mend.
    "reports_tune_ak.jsonl": {"outcome": 1.0, "mass": 0.93, "calcification": 0.977,
                              "laterality": 0.975, "organ": 0.944, "follow_up": 0.988},
    # The forty-fourth blind set, measured once at c897677 (outcome 0.997, no wrong CT, 1 of 86
    # missed, laterality 0.961): read, nothing mended. q44-287 stays missed: "haemorrhage into
    # a neuroblastoma versus simple adrenal haemorrhage - indeterminate" keeps the haemorrhage,
    # a suspected one.
    "reports_tune_al.jsonl": {"outcome": 0.997, "mass": 0.911, "calcification": 0.983,
                              "laterality": 0.961, "organ": 0.93, "follow_up": 0.991,
                              "missed": 1},
    # The forty-sixth blind set, measured once at 5621e7a (outcome 0.992, no wrong CT, 3 of 82
    # missed, laterality 0.958), tuned on in round thirty-nine. q46-101 stays missed:
    # "Appearances suggest a mass arising from the right kidney rather than the adrenal" hedges
    # the mass itself as written.
    "reports_tune_am.jsonl": {"outcome": 0.997, "mass": 0.9, "calcification": 0.983,
                              "laterality": 0.958, "organ": 0.908, "follow_up": 1.0,
                              "missed": 1},
    # The forty-eighth blind set, measured once at 1c5701c (the rules of 9a847ef: outcome 0.997,
    # no wrong CT, 1 of 86 missed, laterality 0.961), tuned on in round forty.
    "reports_tune_an.jsonl": {"outcome": 1.0, "mass": 0.916, "calcification": 0.986,
                              "laterality": 0.961, "organ": 0.925, "follow_up": 0.994},
    # The forty-ninth blind set, measured once at 1c5701c (outcome 0.992, 1 wrong CT, 2 of 84
    # missed, laterality 0.986), tuned on in rounds forty and forty-two. q49-026 stays missed:
    # "L paraspinal msas" is a four-letter typo, under the speller's five-letter minimum.
    "reports_tune_ao.jsonl": {"outcome": 0.997, "mass": 0.925, "calcification": 0.977,
                              "laterality": 0.986, "organ": 0.947, "follow_up": 0.997,
                              "missed": 1},
    # The fifty-first blind set, measured once at 6cddd7f (the rules of 84ba10b: outcome 0.989,
    # 2 wrong CTs, 2 of 73 missed, laterality 0.969), tuned on in rounds forty-one and
    # forty-three. q51-170 stays missed: a new solid mass after a neonatal haemorrhage "not
    # the expected evolution, ?neuroblastoma" keeps the past haemorrhage. Since round fifty-five
    # q51-273 too: "?haemorrhage vs neuroblastoma; calcified rim" raises the haemorrhage flag, as
    # the rebuilt brief's writers label it (outcome 0.997, 1 missed until then).
    "reports_tune_ap.jsonl": {"outcome": 0.994, "mass": 0.9, "calcification": 0.983,
                              "laterality": 0.969, "organ": 0.933, "follow_up": 0.997,
                              "missed": 2},
    # The fifty-second blind set, measured once at 6cddd7f (outcome 1.000, no wrong CT, none of
    # 81 missed, laterality 0.967): read, nothing to mend.
    "reports_tune_aq.jsonl": {"outcome": 1.0, "mass": 0.925, "calcification": 0.983,
                              "laterality": 0.966, "organ": 0.922, "follow_up": 1.0},
    # The fifty-fourth and fifty-fifth blind sets, measured once at f62ea69 (outcome 0.992, 3
    # wrong CTs, none of 77 missed, laterality 0.964; and 0.997, 1 wrong CT, none of 84
    # missed, 0.969), tuned on in round forty-two.
    "reports_tune_ar.jsonl": {"outcome": 1.0, "mass": 0.922, "calcification": 0.98,
                              "laterality": 0.963, "organ": 0.93, "follow_up": 0.991},
    "reports_tune_as.jsonl": {"outcome": 1.0, "mass": 0.944, "calcification": 0.988,
                              "laterality": 0.969, "organ": 0.933, "follow_up": 0.988},
    # The fifty-seventh and fifty-eighth blind sets, measured once at 025dd64 (the rules of
    # 528e917: outcome 0.989, no wrong CT, 4 of 86 missed, laterality 0.953; and 0.989, none,
    # 4 of 82, 0.967), tuned on in round forty-three. Three of the fifty-eighth stay missed:
    # q58-096, "Appearances are suggestive of a calcified left adrenal neuroblastoma measuring
    # 3.3 cm", hedges the mass with its diagnosis as written; q58-171, "The right adrenal mass
    # seen 3 months ago (not yet diagnosed) now measures 3.8 cm", is past, "now measures"
    # being too far from the mass to make it today's; q58-203, "Conglomerate of calcified
    # nodal masses", puts the calcification in the nodes, not in a mass.
    "reports_tune_at.jsonl": {"outcome": 1.0, "mass": 0.911, "calcification": 0.994,
                              "laterality": 0.955, "organ": 0.93, "follow_up": 1.0},
    "reports_tune_au.jsonl": {"outcome": 0.991, "mass": 0.913, "calcification": 0.98,
                              "laterality": 0.966, "organ": 0.933, "follow_up": 0.997,
                              "missed": 3},
    # The sixtieth and sixty-first blind sets, measured once at 68d1087 (the rules of 669b511:
    # outcome 0.986, 1 wrong CT, 4 of 84 missed, laterality 0.969; and 0.997, 1 wrong CT, none
    # of 80 missed, 0.983), tuned on in round forty-four. Two of the sixtieth stay missed:
    # q60-285, "Rt adrenal haemorrhage vs NBL ... NBL cannot be excluded", keeps the suspected
    # haemorrhage; q60-332, "Hyperechoic foci in the right suprarenal mass with strong posterior
    # shadowing", leaves the shadow to the mass named between.
    "reports_tune_av.jsonl": {"outcome": 0.994, "mass": 0.9, "calcification": 0.983,
                              "laterality": 0.969, "organ": 0.941, "follow_up": 0.994,
                              "missed": 2},
    # Since round fifty-five one "haemorrhage versus neuroblastoma cannot be distinguished"
    # text with calcification is read as a haemorrhage (outcome 1.0, none missed until then).
    "reports_tune_aw.jsonl": {"outcome": 0.997, "mass": 0.919, "calcification": 0.983,
                              "laterality": 0.983, "organ": 0.936, "follow_up": 1.0,
                              "missed": 1},
    # The sixty-third and sixty-fourth blind sets, measured once at e6ec2f9 (the rules of
    # 2290175: outcome 0.994, no wrong CT, 2 of 84 missed, laterality 0.964; and 0.992, 2 wrong
    # CTs, 1 of 85 missed, 0.953), tuned on in round forty-five.
    "reports_tune_ax.jsonl": {"outcome": 1.0, "mass": 0.897, "calcification": 0.986,
                              "laterality": 0.966, "organ": 0.922, "follow_up": 0.991},
    "reports_tune_ay.jsonl": {"outcome": 1.0, "mass": 0.891, "calcification": 0.983,
                              "laterality": 0.955, "organ": 0.922, "follow_up": 0.997},
    # The seventy-third and seventy-fourth blind sets, measured once at 27e9fb0 (outcome 0.983,
    # 3 wrong CTs, 3 of 89 missed, laterality 0.950; and 0.994, 2 wrong CTs, none of 87
    # missed, 0.944), tuned on in round forty-six. The miss left is a meconium pseudocyst
    # "with calcified wall", labelled a calcified mass: no tumour, and no rule reads it as one.
    # The seventy-fourth's writer gives a liver mass placed by segment alone no side, where
    # the reader takes segments 5-8 as the right lobe: eight of its laterality errors.
    "reports_tune_az.jsonl": {"outcome": 0.997, "mass": 0.941, "calcification": 0.961,
                              "laterality": 0.961, "organ": 0.9, "follow_up": 0.994,
                              "missed": 1},
    "reports_tune_ba.jsonl": {"outcome": 1.0, "mass": 0.925, "calcification": 0.975,
                              "laterality": 0.952, "organ": 0.952, "follow_up": 0.991},
    # The seventy-ninth and eightieth blind sets, measured once at ccb85a2 (outcome 0.997, 1
    # wrong CT, none of 77 missed, laterality 0.975; and 0.986, 2 wrong CTs, 3 of 78 missed,
    # 0.958), tuned on in round forty-seven. A measured adrenal haemorrhage is a mass to their
    # writers ("Left adrenal haemorrhage 1.8 cm, avascular"): the reader keeps it a context
    # flag without a side, most of their laterality errors.
    "reports_tune_bb.jsonl": {"outcome": 1.0, "mass": 0.894, "calcification": 0.977,
                              "laterality": 0.975, "organ": 0.955, "follow_up": 0.997},
    "reports_tune_bc.jsonl": {"outcome": 1.0, "mass": 0.863, "calcification": 0.98,
                              "laterality": 0.961, "organ": 0.908, "follow_up": 0.988},
    # The eighty-third and eighty-fourth blind sets, measured once at 920adcd (outcome 0.991, 1
    # wrong CT, 2 of 87 missed, laterality 0.966; and 0.988, 3 wrong CTs, 1 of 89 missed,
    # 0.972), tuned on in round forty-eight. The miss left: a right upper quadrant mass "of
    # indeterminate origin (hepatic vs adrenal vs renal)" is read as the liver's. The wrong CT
    # left: "haemorrhage vs neuroblastoma" before a calcified adrenal mass, which this writer
    # labels a haemorrhage and the writers of reports_tune_ap, _aw, _ay and _az (and two
    # held-out sets) do not; the reader keeps their reading.
    "reports_tune_bd.jsonl": {"outcome": 1.0, "mass": 0.936, "calcification": 0.961,
                              "laterality": 0.969, "organ": 0.944, "follow_up": 0.988},
    "reports_tune_be.jsonl": {"outcome": 0.994, "mass": 0.894, "calcification": 0.98,
                              "laterality": 0.972, "organ": 0.925, "follow_up": 0.991,
                              "wrongly_recommended": 1, "missed": 1},
    # The eighty-seventh to eighty-ninth blind sets, measured once at 1d06b3b (outcome
    # 0.997, no wrong CT, 1 of 86 missed, laterality 0.963; 0.988, none, 4 of 84, 0.966; 0.986,
    # 1, 4 of 79, 0.975), tuned on in round forty-nine. The misses left: "bright linear echoes;
    # with the focal zone adjusted these show clean distal shadowing"; "There appears to be a
    # ... mass" (a hedge to two other writers); calcification "seen on CT ... also visible on
    # ultrasound"; a new mass "surrounding the previously seen calcification". Eight short
    # texts that other writers had written word for word in held-out sets were left out (354,
    # 360 and 358 texts).
    "reports_tune_bf.jsonl": {"outcome": 1.0, "mass": 0.923, "calcification": 0.974,
                              "laterality": 0.983, "organ": 0.94, "follow_up": 0.994},
    "reports_tune_bg.jsonl": {"outcome": 0.994, "mass": 0.936, "calcification": 0.972,
                              "laterality": 0.975, "organ": 0.941, "follow_up": 0.988,
                              "missed": 2},
    "reports_tune_bh.jsonl": {"outcome": 0.994, "mass": 0.932, "calcification": 0.972,
                              "laterality": 0.983, "organ": 0.944, "follow_up": 0.991,
                              "missed": 2},
    # The ninety-third and ninety-fourth, measured once at e67de76 (0.994, 1 wrong CT, 1 of 82
    # missed, laterality 0.977; 0.988, 1, 3 of 85, 0.961), tuned on in round fifty (one and two
    # texts written word for word in held-out sets left out). The misses left: "echogenic foci
    # with shadowing, likely calcification" (a doubted name, as older writers label it); "4 cm
    # splenic cyst ... eggshell rim that casts a shadow" (a cyst is no mass word); a sacrococcygeal
    # teratoma diagnosed antenatally read as a known tumour.
    "reports_tune_bi.jsonl": {"outcome": 0.997, "mass": 0.916, "calcification": 0.994,
                              "laterality": 0.986, "organ": 0.958, "follow_up": 0.988,
                              "missed": 1},
    "reports_tune_bj.jsonl": {"outcome": 0.994, "mass": 0.879, "calcification": 0.974,
                              "laterality": 0.966, "organ": 0.921, "follow_up": 0.991,
                              "missed": 2},
    # The ninety-seventh and ninety-eighth, measured once at 2d455a2 (0.988, 1 wrong CT, 3 of 86
    # missed, laterality 0.969; 0.986, 2, 3 of 81, 0.952), tuned on in round fifty-one. The wrong
    # CT left then, "DDx: old haemorrhage vs calcified neuroblastoma" (a haemorrhage to this
    # writer), is read so since round seventy-three ("old" before a bleed is its age, not a past
    # finding).
    "reports_tune_bk.jsonl": {"outcome": 1.0, "mass": 0.944, "calcification": 0.955,
                              "laterality": 0.969, "organ": 0.913, "follow_up": 0.994},
    "reports_tune_bl.jsonl": {"outcome": 0.997, "mass": 0.913, "calcification": 0.966,
                              "laterality": 0.952, "organ": 0.933, "follow_up": 0.991,
                              "missed": 1},
    # The hundred-and-first and hundred-and-second, measured once at e9fd48f (0.991, 2 wrong
    # CTs, 1 of 81 missed, laterality 0.972; 0.988, 3, 1 of 87, 0.980), tuned on in round
    # fifty-two. The miss left: "with probable calcification (several echogenic foci with
    # shadowing)" (the hedge reaches into the brackets). The wrong CT left: a presacral mass
    # "again seen ... Surgical planning is underway", a follow-up to this writer though no
    # tumour is named as known.
    "reports_tune_bm.jsonl": {"outcome": 0.997, "mass": 0.910, "calcification": 0.983,
                              "laterality": 0.980, "organ": 0.938, "follow_up": 0.991,
                              "missed": 1},
    "reports_tune_bn.jsonl": {"outcome": 0.997, "mass": 0.943, "calcification": 0.974,
                              "laterality": 0.988, "organ": 0.921, "follow_up": 0.985,
                              "wrongly_recommended": 1},
    # The hundred-and-fifth and hundred-and-sixth, measured once at e134ea7 (0.994, no wrong CT,
    # 2 of 84 missed, laterality 0.969; 0.988, 2, 2 of 88, 0.969), tuned on in round fifty-three.
    # The misses left: a meconium pseudocyst "with a calcified wall" (a pseudocyst is no mass
    # word) and "renal mass with probable small shadowing calcification" (the hedge is the
    # calcification's own).
    "reports_tune_bo.jsonl": {"outcome": 0.997, "mass": 0.887, "calcification": 0.977,
                              "laterality": 0.971, "organ": 0.915, "follow_up": 0.994,
                              "missed": 1},
    "reports_tune_bp.jsonl": {"outcome": 0.997, "mass": 0.905, "calcification": 0.963,
                              "laterality": 0.972, "organ": 0.913, "follow_up": 0.991,
                              "missed": 1},
    # The hundred-and-ninth and hundred-and-tenth, measured once at 430d180 (0.991, 1 wrong CT,
    # 2 of 83 missed, laterality 0.936; 0.994, 1, 1 of 76, 0.955), tuned on in round
    # fifty-four. The miss left: "Appearances suggestive of a presacral mass with calcific foci
    # shadowing posteriorly, ... in keeping with a teratoma" (the hedge reaches the foci).
    # Laterality: these writers give a liver lesion placed by its segment alone no side (five
    # texts of the 109th); the older sets' writers gave it the lobe's.
    "reports_tune_bq.jsonl": {"outcome": 0.997, "mass": 0.910, "calcification": 0.974,
                              "laterality": 0.946, "organ": 0.910, "follow_up": 0.997,
                              "missed": 1},
    "reports_tune_br.jsonl": {"outcome": 1.0, "mass": 0.885, "calcification": 0.974,
                              "laterality": 0.958, "organ": 0.927, "follow_up": 0.986},
    # The hundred-and-eleventh and hundred-and-twelfth, measured once at bb659b7 (0.980, 4 wrong
    # CTs, 3 of 88 missed, laterality 0.975; 0.988, 1, 3 of 82, 0.902), tuned on in round
    # fifty-five. The misses left: "midline pelvic mass ... cannot reliably distinguish ovarian
    # from uterine or mesenteric origin" (an ovary only guessed at: guessed_origins) and "There
    # appears to be a right paravertebral soft tissue mass ... containing what are likely punctate
    # calcifications" (hedged). Laterality of the 112th: liver lesions by segment alone (five
    # texts) and plural masses given "R ... L ..." sizes.
    "reports_tune_bs.jsonl": {"outcome": 0.997, "mass": 0.924, "calcification": 0.988,
                              "laterality": 0.974, "organ": 0.930, "follow_up": 0.991,
                              "missed": 1},
    "reports_tune_bt.jsonl": {"outcome": 0.997, "mass": 0.877, "calcification": 0.961,
                              "laterality": 0.913, "organ": 0.894, "follow_up": 0.997,
                              "missed": 1},
    # The hundred-and-fifteenth and hundred-and-sixteenth, measured once at 97b53fa (0.991, 2
    # wrong CTs, 1 of 77 missed, laterality 0.975; 0.991, 1, 2 of 77, 0.966), tuned on in round
    # fifty-six (two texts of each, identical to held-out texts, left out). The miss left: "A 3 cm
    # cyst sits in the left adrenal bed with a thin eggshell of calcification around its wall" (a
    # cyst is no mass word: most writers label a cyst without solid tissue no mass).
    "reports_tune_bu.jsonl": {"outcome": 1.0, "mass": 0.910, "calcification": 0.977,
                              "laterality": 0.983, "organ": 0.949, "follow_up": 1.0},
    "reports_tune_bv.jsonl": {"outcome": 0.997, "mass": 0.905, "calcification": 0.972,
                              "laterality": 0.974, "organ": 0.935, "follow_up": 0.986,
                              "missed": 1},
    # The hundred-and-seventeenth and hundred-and-eighteenth, measured once at 3b5a14a (0.991, 1
    # wrong CT, 2 of 76 missed, laterality 0.941; 0.986, 1, 4 of 89, 0.969), tuned on in round
    # fifty-seven (four texts identical to held-out texts left out). The misses left: a mass
    # "between the inferior surface of the liver and the upper pole of the right kidney", whose
    # organ "cannot be determined" (read as the liver), and "Bilateral paravertebral masses? Only
    # the right is seen clearly (3 cm, calcified)" (the "?" doubts the masses).
    "reports_tune_bw.jsonl": {"outcome": 0.997, "mass": 0.893, "calcification": 0.971,
                              "laterality": 0.946, "organ": 0.913, "follow_up": 0.997,
                              "missed": 1},
    "reports_tune_bx.jsonl": {"outcome": 0.997, "mass": 0.941, "calcification": 0.983,
                              "laterality": 0.969, "organ": 0.919, "follow_up": 0.994,
                              "missed": 1},
    # The hundred-and-twenty-first and hundred-and-twenty-second, measured once at a412876 (1.000,
    # 0, 0 of 88, laterality 0.972; 0.975, 3 wrong CTs, 6 of 89 missed, 0.933), tuned on in round
    # fifty-eight (three texts of the 121st, identical to held-out texts, left out). Left in the
    # 122nd: a pelvic mass "could be either ovarian or mesenteric ... probably arising from the
    # right adnexa since the right ovary is not separately identified" (two organs guessed: no
    # organ, a wrong CT); "probable fine calcification (tiny echogenic foci, some with faint
    # shadowing)" (a faint shadow is no shadow to the rules); a meconium pseudocyst labelled a
    # mass; a splenic cyst's shadowing rim labelled calcification of the mass.
    "reports_tune_by.jsonl": {"outcome": 1.0, "mass": 0.907, "calcification": 0.983,
                              "laterality": 0.971, "organ": 0.938, "follow_up": 0.994},
    "reports_tune_bz.jsonl": {"outcome": 0.988, "mass": 0.891, "calcification": 0.958,
                              "laterality": 0.936, "organ": 0.916, "follow_up": 0.991,
                              "wrongly_recommended": 1, "missed": 3},
    "reports_tune_ca.jsonl": {"outcome": 1.0, "mass": 0.924, "calcification": 0.974,
                              "laterality": 0.991, "organ": 0.960, "follow_up": 1.0},
    "reports_tune_cb.jsonl": {"outcome": 1.0, "mass": 0.933, "calcification": 0.972,
                              "laterality": 0.969, "organ": 0.927, "follow_up": 0.994},
    # The miss left: "multiple punctate echogenic foci casting shadows", read as the possible
    # calcification "punctate echogenic foci" (the same length, and earlier). Letting the
    # shadowing foci take the words before them read a held-out set worse (docs/text.md).
    "reports_tune_cc.jsonl": {"outcome": 0.997, "mass": 0.904, "calcification": 0.971,
                              "laterality": 0.988, "organ": 0.957, "follow_up": 0.991,
                              "missed": 1},
    "reports_tune_cd.jsonl": {"outcome": 1.0, "mass": 0.927, "calcification": 0.975,
                              "laterality": 0.986, "organ": 0.952, "follow_up": 0.994},
    # The misses left in the 132nd: "subcapsular collection 2 cm (haematoma)" of a kidney with a
    # calcified neoplasm raises the adrenal haemorrhage flag (a diagnosis in brackets), and a
    # duplication cyst "with a mural calcification" is labelled a calcified mass.
    "reports_tune_ce.jsonl": {"outcome": 1.0, "mass": 0.938, "calcification": 0.977,
                              "laterality": 0.972, "organ": 0.932, "follow_up": 0.994},
    "reports_tune_cf.jsonl": {"outcome": 0.994, "mass": 0.905, "calcification": 0.983,
                              "laterality": 0.952, "organ": 0.913, "follow_up": 0.997,
                              "missed": 2},
    # The miss left: a retroperitoneal neoplasm "consistent with stage 4 neuroblastoma" whose
    # "Several liver lesions" give the liver as its organ (no word calls them metastases).
    "reports_tune_cg.jsonl": {"outcome": 0.997, "mass": 0.910, "calcification": 0.955,
                              "laterality": 0.963, "organ": 0.927, "follow_up": 0.986,
                              "missed": 1},
    "reports_tune_ch.jsonl": {"outcome": 1.0, "mass": 0.905, "calcification": 0.980,
                              "laterality": 0.972, "organ": 0.905, "follow_up": 0.994},
    # Left in the 138th: calcification labelled present where it is "probably representing
    # calcification ... calcification likely present", and "shadows behind some of the brighter
    # bits".
    "reports_tune_ci.jsonl": {"outcome": 1.0, "mass": 0.924, "calcification": 0.971,
                              "laterality": 0.980, "organ": 0.929, "follow_up": 0.991},
    "reports_tune_cj.jsonl": {"outcome": 0.994, "mass": 0.916, "calcification": 0.974,
                              "laterality": 0.983, "organ": 0.941, "follow_up": 0.997,
                              "missed": 2},
    # Left in the 141st: "The origin is uncertain - it may arise from the liver or the right
    # adrenal" (an origin guessed at as the liver, guessed_origins); in the 142nd, "Echogenic foci
    # present; definite acoustic shadowing demonstrated" (the shadowing in a clause of its own)
    # and "Dumbbell-shaped soft tissue either side of the spine ... each flecked with calcium".
    "reports_tune_ck.jsonl": {"outcome": 0.997, "mass": 0.938, "calcification": 0.977,
                              "laterality": 0.972, "organ": 0.924, "follow_up": 0.986,
                              "missed": 1},
    "reports_tune_cl.jsonl": {"outcome": 0.994, "mass": 0.907, "calcification": 0.985,
                              "laterality": 0.969, "organ": 0.929, "follow_up": 0.985,
                              "missed": 2},
    # Left in the 143rd: "Presacral mass, 3.2 cm, with punctate echogenic foci casting shadows"
    # (as the 129th's; the longer pattern tried for it in round sixty-two lowered a held-out
    # set's floor); in the 144th: "Calcifications are present, but these are in the right kidney
    # (nephrocalcinosis), not in the mass" (the place is given after "but these are", beyond
    # the calcification's clause), and "it does not obviously arise from kidney, liver or
    # adrenal" (the negation reaches the kidney only, and the liver is taken for the origin).
    "reports_tune_cm.jsonl": {"outcome": 0.997, "mass": 0.891, "calcification": 0.974,
                              "laterality": 0.969, "organ": 0.930, "follow_up": 0.997,
                              "missed": 1},
    "reports_tune_cn.jsonl": {"outcome": 0.994, "mass": 0.918, "calcification": 0.977,
                              "laterality": 0.980, "organ": 0.940, "follow_up": 0.994,
                              "wrongly_recommended": 1, "missed": 1},
    # The 148th's laterality: its writer gives a liver mass named by its segment alone no side
    # (the rules give it its lobe's, as most earlier writers did: taking that out cost 96 sides
    # over the tuning corpora, docs/text.md).
    # Left in the 147th: "Speckled echogenicity throughout the left adrenal mass (3 cm), with some
    # posterior shadowing" (a word of degree before the shadow, tried in round sixty-six,
    # lowered a held-out set's floor).
    "reports_tune_co.jsonl": {"outcome": 0.997, "mass": 0.912, "calcification": 0.980,
                              "laterality": 0.974, "organ": 0.932, "follow_up": 0.988,
                              "missed": 1},
    "reports_tune_cp.jsonl": {"outcome": 1.0, "mass": 0.898, "calcification": 0.980,
                              "laterality": 0.938, "organ": 0.918, "follow_up": 0.994},
    # Left in the 151st: "Ovarian mass lying in the midline pelvis (ovary displaced medially),
    # right ovarian origin, calcified" (a wrong CT: the ovary said displaced takes the ovary
    # from the mass's origins) and "a thick-walled calcified pseudocyst of 4 cm" (meconium
    # peritonitis: a pseudocyst is no mass word); in the 152nd: "It is separate from the right
    # kidney, with a preserved fat plane, and from the liver" (the liver taken for the origin).
    "reports_tune_cq.jsonl": {"outcome": 0.994, "mass": 0.924, "calcification": 0.963,
                              "laterality": 0.983, "organ": 0.927, "follow_up": 0.994,
                              "wrongly_recommended": 1, "missed": 1},
    "reports_tune_cr.jsonl": {"outcome": 0.997, "mass": 0.906, "calcification": 0.974,
                              "laterality": 0.980, "organ": 0.935, "follow_up": 0.994,
                              "missed": 1},
    # Left in the 155th: "The retroperitoneal mass seen on the outside CT (1 week ago) is
    # visualised on ultrasound" (the other examination's mention takes the mass) and "There
    # appears to be a 4 cm calcified mass"
    # (a hedge to the rules, as to earlier writers); in the 156th: "probable calcification
    # (echogenic foci, some shadowing)" and "No IVC invasion from the right renal mass" (the
    # negation reaches the mass: "from" as the agent's word cost the origins of "not arising
    # from the kidney").
    "reports_tune_cs.jsonl": {"outcome": 0.994, "mass": 0.932, "calcification": 0.983,
                              "laterality": 0.977, "organ": 0.935, "follow_up": 0.994,
                              "missed": 2},
    "reports_tune_ct.jsonl": {"outcome": 0.994, "mass": 0.914, "calcification": 0.959,
                              "laterality": 0.962, "organ": 0.931, "follow_up": 0.991,
                              "missed": 2},
    # Tuned on in round sixty-nine (docs/text.md), which mended the 160th's two wrong CTs ("a
    # stippled echogenic pattern; no shadowing", "echogenic foci casting shadows - calcification
    # vs fat?"), an echogenic arc with a shadow in each and "calcific foci, not present last
    # year" in the 160th, and "arising from L ovary (L ovary not seen sep)" in the 159th. Left
    # in the 159th: a wrong CT, "Previous scan ... now there is a definite 4.5 cm solid lesion"
    # (the liver named the sentence before); missed "Soft tissue
    # density in the left paravertebral region 2.5 cm with calcification" (no mass word); in the
    # 160th: missed "a thin eggshell calcified rim" of a cyst.
    "reports_tune_cu.jsonl": {"outcome": 0.994, "mass": 0.935, "calcification": 0.974,
                              "laterality": 0.985, "organ": 0.954, "follow_up": 0.994,
                              "wrongly_recommended": 1, "missed": 1},
    "reports_tune_cv.jsonl": {"outcome": 0.997, "mass": 0.896, "calcification": 0.979,
                              "laterality": 0.979, "organ": 0.919, "follow_up": 0.991,
                              "missed": 1},
    # Tuned on in round seventy (docs/text.md), which mended the 165th's two wrong CTs
    # ("calcification, had it been present, would raise ...", "difficult to say whether the mass
    # itself contains calcification") and the 163rd's (splenic calcifications "(granulomatous)"),
    # and three misses: "solid mass3.1x2.2cm" typed onto its size, and two retroperitoneal masses
    # whose liver lesions took the organ. Left in the 165th: missed "Rule out neuroblastoma -
    # raised urinary VMA/HVA. A solid right suprarenal mass is present" (PyRuSH runs the two
    # sentences together; splitting after such an abbreviation was tried and dropped).
    "reports_tune_cw.jsonl": {"outcome": 1.0, "mass": 0.922, "calcification": 0.98,
                              "laterality": 0.972, "organ": 0.916, "follow_up": 0.986},
    "reports_tune_cx.jsonl": {"outcome": 0.997, "mass": 0.916, "calcification": 0.975,
                              "laterality": 0.955, "organ": 0.93, "follow_up": 0.997,
                              "missed": 1},
    # Tuned on in round seventy-one (docs/text.md), which mended the 169th's two wrong CTs ("Ovaries:
    # right normal; left with 5.5 cm solid-cystic mass", "a 3 mm non-obstructing stone which is
    # calcified") and two misses: the 167th's "- stage 4 neuroblastoma suspected" (read as a known
    # tumour) and the 169th's "echogenic foci; some of these show clear posterior acoustic
    # shadowing". Left in the 169th: missed "Appearances suggest a left paravertebral mass 2.9 cm
    # with coarse calcific shadowing foci" (all hedged by "suggest") and "A 4 cm hypoechoic area ...
    # rounded, solid, with speckled calcification and shadowing" (no mass word).
    "reports_tune_cy.jsonl": {"outcome": 1.0, "mass": 0.941, "calcification": 0.986,
                              "laterality": 0.983, "organ": 0.952, "follow_up": 0.988},
    "reports_tune_cz.jsonl": {"outcome": 0.994, "mass": 0.9, "calcification": 0.969,
                              "laterality": 0.955, "organ": 0.913, "follow_up": 1.0,
                              "missed": 2},
    # Tuned on in round seventy-two (docs/text.md), which mended the 171st's wrong CT
    # ("calcification is seen on CT in a minority of Wilms tumours") and the 173rd's miss ("not
    # present on a renal scan 2 years ago"). Left in the 171st: missed "Rt suprarenal mss noted"
    # (a misspelt mass word too short for the speller); in the 173rd: two wrong CTs, "some appear
    # to shadow, suggestive of calcification though this is not definite" and a midline pelvic
    # mass with "Ovaries not seen separately ... of ovarian origin suspected", and missed a
    # meconium pseudocyst with a calcified wall ("Cystic collection RLQ 3 cm").
    "reports_tune_da.jsonl": {"outcome": 0.997, "mass": 0.905, "calcification": 0.977,
                              "laterality": 0.98, "organ": 0.941, "follow_up": 0.994,
                              "missed": 1},
    "reports_tune_db.jsonl": {"outcome": 0.991, "mass": 0.911, "calcification": 0.947,
                              "laterality": 0.961, "organ": 0.922, "follow_up": 0.988,
                              "wrongly_recommended": 2, "missed": 1},
    # Tuned on in round seventy-three (docs/text.md), which mended the 175th's two wrong CTs
    # ("Nocalcification." typed as one word; "Old haemorrhage likely", read as a past finding) and
    # its two misses ("not seen on any previous study"; bright echoes that "throw definite
    # posterior shadows"), and two of the 177th's misses ("speckled appearance w/ shadowing",
    # "chalky, shadowing central focus"). Left in the 177th, four misses: a midline pelvic mass
    # with "? ovarian mass" in its request (labelled a calcified mass to image, as the 173rd's
    # like one was labelled not), "probable small solid nodule", "probable calcification given
    # strong posterior shadowing" and "Findings suggestive of a midline retroperitoneal mass"
    # (hedges its writer reads as stated).
    "reports_tune_dc.jsonl": {"outcome": 1.0, "mass": 0.913, "calcification": 0.983,
                              "laterality": 0.972, "organ": 0.936, "follow_up": 0.994},
    "reports_tune_dd.jsonl": {"outcome": 0.988, "mass": 0.925, "calcification": 0.972,
                              "laterality": 0.972, "organ": 0.938, "follow_up": 0.994,
                              "missed": 4},
    # Tuned on in round seventy-four (docs/text.md), which mended the 179th's wrong CT ("ultrasound
    # may under-call septal calcification") and its miss ("a shadowing bony component"), and the
    # 181st's wrong CT ("calcific-looking densities that do not shadow") and its miss ("renal lesion
    # previously characterised as a complex cyst now shows ... calcification").
    "reports_tune_de.jsonl": {"outcome": 1.0, "mass": 0.916, "calcification": 0.977,
                              "laterality": 0.969, "organ": 0.93, "follow_up": 1.0},
    "reports_tune_df.jsonl": {"outcome": 1.0, "mass": 0.905, "calcification": 0.969,
                              "laterality": 0.988, "organ": 0.95, "follow_up": 1.0},
    # Tuned on in round seventy-five (docs/text.md), which mended the 183rd's wrong CT ("Speckled
    # bright echoes within a right renal mass 3.9 cm, non-shadowing") and its miss ("Bulky
    # soft-tissue focus 2.5 cm"). Left in the 185th, two misses: "In a neonate adrenal haemorrhage
    # would be the main differential, but in this 3 year old ... much more likely to be
    # neuroblastoma" (the haemorrhage flag is raised) and a right upper quadrant mass whose "organ
    # of origin cannot be determined - liver, kidney and adrenal are all closely applied to it"
    # (read as the liver's).
    "reports_tune_dg.jsonl": {"outcome": 1.0, "mass": 0.933, "calcification": 0.983,
                              "laterality": 0.98, "organ": 0.947, "follow_up": 0.991},
    "reports_tune_dh.jsonl": {"outcome": 0.994, "mass": 0.919, "calcification": 0.961,
                              "laterality": 0.975, "organ": 0.927, "follow_up": 0.997,
                              "missed": 2},
    # Tuned on in round seventy-six (docs/text.md), which mended the 189th's wrong CT ("CT ... to
    # clarify calcification" states none). Left: the 187th's miss, "A 3 cm solid 'ball' in the left
    # adrenal fossa with calcific shadowing" (a ball is no word for a mass), and the 189th's wrong
    # CT, "echogenic foci showing dirty shadowing and ring-down from gas" around a perforated
    # appendix (a 'dirty' shadow is gas here, but a tuning text and a held-out text of older sets
    # label specks 'with dirty shadowing' as calcification).
    "reports_tune_di.jsonl": {"outcome": 0.997, "mass": 0.897, "calcification": 0.988,
                              "laterality": 0.955, "organ": 0.919, "follow_up": 0.986,
                              "missed": 1},
    "reports_tune_dj.jsonl": {"outcome": 0.997, "mass": 0.847, "calcification": 0.972,
                              "laterality": 0.95, "organ": 0.913, "follow_up": 0.994,
                              "wrongly_recommended": 1},
    # Tuned on in round seventy-seven (docs/text.md), which mended the 191st's two wrong CTs ("cant
    # say calcified on US"; "Haemorrhage is the main consideration") and the 193rd's two wrong CTs
    # (calcific foci "along the peritoneal surfaces"; "CT/MRI correlation for calcification") and
    # its miss ("shadowing calcs +. L kid invasion - not seen": one sentence for PyRuSH). Left in
    # the 191st, two misses: a calcified meconium pseudocyst called a "cystic structure" (no mass
    # word; the 193rd labels a calcified pseudocyst's calcification unknown), and a left adrenal
    # mass beside a "Calcified right adrenal (old haemorrhage)" (the haemorrhage flag is raised
    # for the text, not for one side).
    "reports_tune_dk.jsonl": {"outcome": 0.994, "mass": 0.93, "calcification": 0.98,
                              "laterality": 0.95, "organ": 0.897, "follow_up": 0.997,
                              "missed": 2},
    "reports_tune_dl.jsonl": {"outcome": 1.0, "mass": 0.908, "calcification": 0.972,
                              "laterality": 0.955, "organ": 0.902, "follow_up": 0.991},
    # Tuned on in round seventy-eight (docs/text.md), which mended the 195th's wrong CT
    # ("Calcification within it cannot be identified with confidence") and the 197th's ("CT or MRI
    # would better characterise the mass, including any calcification"); round seventy-nine its
    # wrong CT "Ganglioneuroma surveillance (biopsy proven, not resected)" (a ganglioneuroma named
    # right before "surveillance", as a neuroblastoma is). Left: the 195th's miss "separate
    # from the appendix and right ovary" (read as the ovary's: the appendix is no organ in the
    # rules, and making it one read two held-out and tuning organs worse); the 197th's misses "small
    # shadowing calcific foci - nodal mass vs primary soft-tissue tumour" ('nodal' places the
    # calcification in a node) and "Neuroblastoma vs organised haematoma" (the haemorrhage flag,
    # which other sets label so).
    "reports_tune_dm.jsonl": {"outcome": 0.997, "mass": 0.936, "calcification": 0.977,
                              "laterality": 0.963, "organ": 0.938, "follow_up": 0.986,
                              "missed": 1},
    "reports_tune_dn.jsonl": {"outcome": 0.994, "mass": 0.875, "calcification": 0.972,
                              "laterality": 0.977, "organ": 0.936, "follow_up": 0.997,
                              "missed": 2},
    # Tuned on in round seventy-nine (docs/text.md), which mended the 201st's two wrong CTs
    # ("Residual calcified retroperitoneal neuroblastoma, stable"; "None of these foci produce
    # posterior acoustic shadowing") and its miss ("stage M NBL likely": today's diagnosis), and
    # the side of a mass "displacing the rectum to the left" in the 199th. Left: the 199th's miss
    # "Ovarian origin excluded - both ovaries are seen separately and are normal" (read as the
    # ovary's: "seen separately" is three words after the organ), and the 201st's "tiny bright
    # reflectors; the largest casts a distinct acoustic shadow" (a shadow cast with an article,
    # "casts a ... shadow", was tried: it mended this and 30 held-out fields, but made one held-out
    # CT wrong, so it was not kept). The 199th's laterality (0.947) is under the target: most of its
    # errors are simple ovarian and renal cysts that it calls masses and the rules do not.
    "reports_tune_do.jsonl": {"outcome": 0.997, "mass": 0.894, "calcification": 0.98,
                              "laterality": 0.947, "organ": 0.908, "follow_up": 0.991,
                              "missed": 1},
    "reports_tune_dp.jsonl": {"outcome": 0.997, "mass": 0.913, "calcification": 0.98,
                              "laterality": 0.98, "organ": 0.933, "follow_up": 1.0,
                              "missed": 1},
    # Tuned on in round eighty (docs/text.md), which mended the 203rd's wrong CT ("foci, likely too
    # small to cast acoustic shadows") and its two misses ("no longer in keeping with haemorrhage";
    # "high risk neuroblastoma is the main consideration"), and the 205th's miss ("probable fat and
    # definite shadowing calcification"). Left: the 205th's miss "Findings suggestive of a right
    # adrenal mass, 3.9 cm, with speckled calcification" ("suggestive of" hedges the mass, as the
    # rules read it everywhere). The 205th labels calcification "absent" where a text does not name
    # it (120 texts), the other sets "unknown": its calcification field reads 0.638.
    "reports_tune_dq.jsonl": {"outcome": 1.0, "mass": 0.916, "calcification": 0.983,
                              "laterality": 0.969, "organ": 0.944, "follow_up": 0.994},
    "reports_tune_dr.jsonl": {"outcome": 0.997, "mass": 0.911, "calcification": 0.638,
                              "laterality": 0.969, "organ": 0.916, "follow_up": 0.997,
                              "missed": 1},
    # Tuned on in round eighty-one (docs/text.md), which mended the 207th's three wrong CTs (a
    # caveat that CT shows calcification "more reliably"; stones "5 mm and 7 mm, with posterior
    # acoustic shadowing"; "though shadowing is questionable") and the 209th's miss ("nephrectomy
    # aged 4 for a non-functioning multicystic dysplastic kidney"). Left: the 207th's miss "2 cm cyst
    # with a calcified wall ... likely calcified Mullerian duct cyst" (labelled a mass for CT; a
    # cyst is no mass to the rules) and the 209th's two, "paravertebral soft tissue" with shadowing
    # calcific foci, named with no mass word.
    "reports_tune_ds.jsonl": {"outcome": 0.997, "mass": 0.93, "calcification": 0.991,
                              "laterality": 0.983, "organ": 0.944, "follow_up": 1.0,
                              "missed": 1},
    "reports_tune_dt.jsonl": {"outcome": 0.994, "mass": 0.908, "calcification": 0.983,
                              "laterality": 0.958, "organ": 0.902, "follow_up": 0.994,
                              "missed": 2},
    # Tuned on in round eighty-two (docs/text.md), which mended the 213th's wrong CT ("shadowing
    # bright foci ..., possibly within a mass but possibly bowel gas") and the 211th's miss ("a left
    # paravertebral mass first seen on a chest radiograph ... is shown on US to extend below the
    # diaphragm"). Left in the 211th: two misses, "Soft tissue 'density' in the presacral space"
    # (no mass word) and "punctate bright echoes ... twinkling artefact ..., confirming
    # calcification, although no shadowing is seen" (the missing shadow hedges the calcification).
    "reports_tune_du.jsonl": {"outcome": 0.994, "mass": 0.927, "calcification": 0.969,
                              "laterality": 0.972, "organ": 0.938, "follow_up": 0.991,
                              "missed": 2},
    "reports_tune_dv.jsonl": {"outcome": 1.0, "mass": 0.913, "calcification": 0.988,
                              "laterality": 0.977, "organ": 0.944, "follow_up": 0.994},
    # Tuned on in round eighty-three (docs/text.md), which mended the 215th's wrong CT ("Organising
    # haemorrhage that has begun to calcify is the most likely explanation") and its two misses
    # ("separate from uterus + both ovaries"; "Adrenal haemorrhage is not a realistic
    # consideration"). The 217th's wrong CT, "Liver contains numerous small hypoechoic nodules,
    # several of which show shadowing calcification, in keeping with metastatic deposits. Primary:
    # left adrenal solid mass 2.6 cm, homogeneous without calcification", was mended in round
    # eighty-five (a calcification denied in the mass's sentence). The 217th's laterality (0.925) is under the target:
    # it gives liver masses in named segments no side, where the rules give the lobe's.
    "reports_tune_dw.jsonl": {"outcome": 1.0, "mass": 0.925, "calcification": 0.983,
                              "laterality": 0.958, "organ": 0.908, "follow_up": 0.994},
    "reports_tune_dx.jsonl": {"outcome": 1.0, "mass": 0.872, "calcification": 0.969,
                              "laterality": 0.925, "organ": 0.897, "follow_up": 0.991},
    # Tuned on in round eighty-four (docs/text.md), which mended the 221st's wrong CT ("echogenic
    # foci showing shadowing - organising, calcifying haemorrhage") and the 219th's miss ("echogenic
    # foci with shadowing suggest calcification"). Left: the 219th's miss "?bilateral adrenal masses
    # - right definite, 2.8 cm, solid with speckled calcification" (the "?" doubts the masses;
    # "right definite" is not read) and the 221st's "the right suprarenal lesion, previously
    # considered a possible haemorrhage, is larger ... and has developed dense calcification ...
    # a neuroblastoma must be excluded" ("previously" makes the lesion a past one).
    "reports_tune_dy.jsonl": {"outcome": 0.997, "mass": 0.905, "calcification": 0.983,
                              "laterality": 0.963, "organ": 0.944, "follow_up": 1.0,
                              "missed": 1},
    # (The 221st's miss was mended in round eighty-six: "previously considered a possible
    # haemorrhage" dates an opinion, not the lesion.)
    "reports_tune_dz.jsonl": {"outcome": 1.0, "mass": 0.886, "calcification": 0.972,
                              "laterality": 0.969, "organ": 0.938, "follow_up": 0.988},
    # Tuned on in round eighty-five (docs/text.md), which mended six wrong CTs (the 223rd's
    # "neuroblastoma ... expectant management", a known tumour; the 225th's right kidney's cortical
    # calcification beside a left renal mass "not seen" to calcify; the 227th's "calcification
    # would be unusual for Wilms" and "may represent small vessels, fibrous septa or fine
    # calcification"; the 229th's "difficult to exclude calcification" and "dirty shadowing ... gas
    # rather than calcium") and three misses (the bony elements and bony fragments of two
    # teratomas; "INRG staging" recommended is not a known tumour's). Left: masses without a mass word ("3.0 cm area
    # of soft tissue echogenicity", "Suprarenal soft tissue on the left, 2.2 cm", "Soft tissue
    # density in the right adrenal area, 2.4 cm"): a rule that read them added a wrong CT on a
    # held-out set and was dropped; the 225th's wrong CT "a few of which show faint shadowing; this
    # is equivocal for calcification versus gas" ("indeterminate calcification" in its impression),
    # its misses "pseudocyst ... has a calcified wall" and "separate from the kidneys, liver and
    # pancreas" (a comma list after "separate from" names the liver). The 229th's "left suprarenal
    # lesion previously presumed to be haemorrhage ... now has shadowing calcifications" was
    # mended in round eighty-six.
    "reports_tune_ea.jsonl": {"outcome": 0.997, "mass": 0.922, "calcification": 0.952,
                              "laterality": 0.961, "organ": 0.927, "follow_up": 0.997,
                              "missed": 1},
    "reports_tune_eb.jsonl": {"outcome": 0.991, "mass": 0.925, "calcification": 0.972,
                              "laterality": 0.961, "organ": 0.927, "follow_up": 0.997,
                              "wrongly_recommended": 1, "missed": 2},
    "reports_tune_ec.jsonl": {"outcome": 0.997, "mass": 0.902, "calcification": 0.93,
                              "laterality": 0.95, "organ": 0.905, "follow_up": 0.986,
                              "missed": 1},
    "reports_tune_ed.jsonl": {"outcome": 0.997, "mass": 0.905, "calcification": 0.972,
                              "laterality": 0.975, "organ": 0.95, "follow_up": 0.994,
                              "missed": 1},
    # Tuned on in round eighty-seven (docs/text.md), which mended two wrong CTs of the 233rd ("cannot
    # determine whether it contains calcification or fat"; "in keeping with evolving/calcifying
    # haemorrhage"). Left: the 233rd's miss "Midline pelvic mass ... with a probable fat component
    # and shadowing calcifications" ("probable" reaches across the "and" to the calcifications)
    # and the 237th's "Conglomerate mesenteric nodal mass ... several nodes showing shadowing rims"
    # (calcified nodes are read as lying beside the mass, not as the mass). The 231st labels
    # liver masses by segment as no side, where the rules give the lobe's side.
    "reports_tune_ee.jsonl": {"outcome": 1.0, "mass": 0.919, "calcification": 0.983,
                              "laterality": 0.936, "organ": 0.933, "follow_up": 0.988},
    "reports_tune_ef.jsonl": {"outcome": 0.997, "mass": 0.916, "calcification": 0.972,
                              "laterality": 0.963, "organ": 0.911, "follow_up": 0.997,
                              "missed": 1},
    "reports_tune_eg.jsonl": {"outcome": 1.0, "mass": 0.897, "calcification": 0.969,
                              "laterality": 0.944, "organ": 0.927, "follow_up": 0.994},
    # (calcification 0.963 -> 0.961 in round eighty-eight: "No calcification is identified ...
    # CT will also help confirm the absence of calcification" now reads it unknown, not absent)
    "reports_tune_eh.jsonl": {"outcome": 0.997, "mass": 0.916, "calcification": 0.961,
                              "laterality": 0.966, "organ": 0.938, "follow_up": 0.991,
                              "missed": 1},
    # The 239th, 241st, 243rd and 245th, tuned on in round eighty-eight. Left: the 241st's
    # misses "multiple calcifications ... IMP: likely L adrenal NBL c/ hepatic mets" (read as
    # the liver's), "containing the calcification seen on the radiograph, with clear posterior
    # shadowing" (another examination's) and "speckled echogenicity ... with faint shadowing"
    # (faint shadowing is doubted); the 245th's wrong CT "Left ovary replaced by a 6.0 cm cyst
    # containing a tooth-like echogenic structure ... Dermoid." (the dermoid is given no organ)
    # and its miss "a midline pelvic mass ... ovarian origin is possible" (a guessed ovary
    # sends no child to CT).
    "reports_tune_ei.jsonl": {"outcome": 1.0, "mass": 0.913, "calcification": 0.986,
                              "laterality": 0.983, "organ": 0.947, "follow_up": 0.994},
    "reports_tune_ej.jsonl": {"outcome": 0.991, "mass": 0.916, "calcification": 0.944,
                              "laterality": 0.95, "organ": 0.911, "follow_up": 0.991,
                              "missed": 3},
    "reports_tune_ek.jsonl": {"outcome": 1.0, "mass": 0.958, "calcification": 0.977,
                              "laterality": 0.98, "organ": 0.95, "follow_up": 0.991},
    "reports_tune_el.jsonl": {"outcome": 0.994, "mass": 0.911, "calcification": 0.986,
                              "laterality": 0.947, "organ": 0.941, "follow_up": 0.991,
                              "wrongly_recommended": 1, "missed": 1},
    # The 247th and 249th, tuned on in round eighty-nine. Left: the 247th's miss "probable
    # small solid-cystic mass 2 cm with a shadowing calcification" (a probable mass is not
    # stated).
    "reports_tune_em.jsonl": {"outcome": 0.997, "mass": 0.938, "calcification": 0.98,
                              "laterality": 0.986, "organ": 0.938, "follow_up": 0.991,
                              "missed": 1},
    "reports_tune_en.jsonl": {"outcome": 1.0, "mass": 0.913, "calcification": 0.975,
                              "laterality": 0.958, "organ": 0.933, "follow_up": 0.991},
    # The 251st and 253rd, measured once at 5f3dc55's rules and not yet tuned on (their errors
    # not yet read): they keep those figures.
    "reports_tune_eo.jsonl": {"outcome": 0.988, "mass": 0.911, "calcification": 0.977,
                              "laterality": 0.975, "organ": 0.952, "follow_up": 0.994,
                              "wrongly_recommended": 1, "missed": 3},
    "reports_tune_ep.jsonl": {"outcome": 0.988, "mass": 0.9, "calcification": 0.972,
                              "laterality": 0.972, "organ": 0.95, "follow_up": 0.988,
                              "wrongly_recommended": 2, "missed": 2},
}
TUNING = tuple(TUNING_FLOORS)
# The held-out sets and the figures measured ONCE on each, filled in by the lead when adding
# the file (``python scripts/evaluate_text.py tests/data/reports_test.jsonl``):
# "wrongly_recommended" and "missed" are counts it may not exceed, the others accuracies it
# may not fall below. The issue's targets are outcome >= 0.97, laterality >= 0.95, no wrong
# CT and missed <= 2% (docs/text.md); they are not asserted here.
HELD_OUT_FLOORS: dict[str, dict[str, float | int]] = {
    # The twenty-fourth blind set, measured once on the rules frozen at 4971259: outcome 0.997,
    # no wrongly recommended CT, 1 of 73 missed, laterality 0.972.
    "reports_test.jsonl": {"outcome": 0.997, "wrongly_recommended": 0, "missed": 1,
                           "mass": 0.913, "calcification": 0.975, "laterality": 0.972,
                           "organ": 0.930, "follow_up": 1.0},
    # The twenty-eighth blind set, measured once on the rules frozen at f2b35ba: outcome 0.992,
    # no wrongly recommended CT, 3 of 79 missed, laterality 0.947.
    "reports_test_b.jsonl": {"outcome": 0.991, "wrongly_recommended": 0, "missed": 3,
                             "mass": 0.891, "calcification": 0.988, "laterality": 0.947,
                             "organ": 0.908, "follow_up": 0.994},
    # The thirty-third and thirty-fourth blind sets, measured once on the rules frozen at
    # 77d0b6c: outcome 0.978, 1 wrongly recommended CT, 7 of 73 missed, laterality 0.958; and
    # 0.994, none, 2 of 81, 0.958.
    "reports_test_c.jsonl": {"outcome": 0.977, "wrongly_recommended": 1, "missed": 7,
                             "mass": 0.908, "calcification": 0.955, "laterality": 0.958,
                             "organ": 0.938, "follow_up": 0.994},
    "reports_test_d.jsonl": {"outcome": 0.994, "wrongly_recommended": 0, "missed": 2,
                             "mass": 0.922, "calcification": 0.977, "laterality": 0.958,
                             "organ": 0.927, "follow_up": 0.991},
    # The thirty-seventh blind set, measured once on the rules frozen at 9711495: outcome
    # 0.981, 2 wrongly recommended CTs, 5 of 78 missed, laterality 0.983.
    "reports_test_e.jsonl": {"outcome": 0.98, "wrongly_recommended": 2, "missed": 5,
                             "mass": 0.925, "calcification": 0.961, "laterality": 0.983,
                             "organ": 0.936, "follow_up": 0.997},
    # The forty-first blind set, measured once on the rules frozen at a3fc18a: outcome 0.997,
    # 1 wrongly recommended CT, none of 83 missed, laterality 0.967.
    "reports_test_f.jsonl": {"outcome": 0.997, "wrongly_recommended": 1, "missed": 0,
                             "mass": 0.933, "calcification": 0.98, "laterality": 0.966,
                             "organ": 0.905, "follow_up": 0.997},
    # The forty-third blind set, measured once on the rules of a3fc18a (at 39003aa): outcome
    # 0.994, 1 wrongly recommended CT, 1 of 75 missed, laterality 0.958.
    "reports_test_g.jsonl": {"outcome": 0.994, "wrongly_recommended": 1, "missed": 1,
                             "mass": 0.919, "calcification": 0.98, "laterality": 0.958,
                             "organ": 0.938, "follow_up": 1.0},
    # The forty-fifth blind set, measured once on the rules of c897677: outcome 0.992, 1 wrongly
    # recommended CT, 2 of 80 missed, laterality 0.975.
    "reports_test_h.jsonl": {"outcome": 0.991, "wrongly_recommended": 1, "missed": 2,
                             "mass": 0.933, "calcification": 0.983, "laterality": 0.975,
                             "organ": 0.919, "follow_up": 0.994},
    # The forty-seventh blind set, measured once on the rules frozen at 9a847ef: outcome 0.994,
    # 1 wrongly recommended CT, 1 of 77 missed, laterality 0.956.
    "reports_test_i.jsonl": {"outcome": 0.994, "wrongly_recommended": 1, "missed": 1,
                             "mass": 0.911, "calcification": 0.977, "laterality": 0.955,
                             "organ": 0.922, "follow_up": 0.997},
    # The fiftieth blind set, measured once on the rules frozen at 84ba10b: outcome 0.986,
    # 1 wrongly recommended CT, 4 of 84 missed, laterality 0.942.
    "reports_test_j.jsonl": {"outcome": 0.986, "wrongly_recommended": 1, "missed": 4,
                             "mass": 0.919, "calcification": 0.98, "laterality": 0.941,
                             "organ": 0.905, "follow_up": 0.994},
    # The fifty-third blind set, measured once on the rules frozen at 5f0ecf3: outcome 1.000,
    # no wrongly recommended CT, none of 86 missed, laterality 0.950.
    "reports_test_k.jsonl": {"outcome": 1.0, "wrongly_recommended": 0, "missed": 0,
                             "mass": 0.913, "calcification": 0.991, "laterality": 0.95,
                             "organ": 0.913, "follow_up": 0.997},
    # The fifty-sixth blind set, measured once on the rules frozen at 528e917 (at c28327d):
    # outcome 0.986, 3 wrongly recommended CTs, 2 of 84 missed, laterality 0.983.
    "reports_test_l.jsonl": {"outcome": 0.986, "wrongly_recommended": 3, "missed": 2,
                             "mass": 0.933, "calcification": 0.977, "laterality": 0.983,
                             "organ": 0.938, "follow_up": 0.991},
    # The fifty-ninth blind set, measured once on the rules frozen at 669b511: outcome 0.997,
    # no wrongly recommended CT, 1 of 81 missed, laterality 0.978.
    "reports_test_m.jsonl": {"outcome": 0.997, "wrongly_recommended": 0, "missed": 1,
                             "mass": 0.916, "calcification": 0.988, "laterality": 0.977,
                             "organ": 0.916, "follow_up": 0.997},
    # The sixty-second blind set, measured once on the rules frozen at 2290175: outcome 0.997,
    # 1 wrongly recommended CT, none of 82 missed, laterality 0.975.
    # Round fifty-five reads "haemorrhage vs neuroblastoma" as the rebuilt brief defines it: one
    # more miss here (outcome 0.997, none missed when measured; the texts were not read).
    "reports_test_n.jsonl": {"outcome": 0.994, "wrongly_recommended": 1, "missed": 1,
                             "mass": 0.919, "calcification": 0.983, "laterality": 0.975,
                             "organ": 0.916, "follow_up": 0.997},
    # The sixty-fifth and sixty-sixth blind sets, measured once on the rules frozen at e28a7af:
    # outcome 0.986, 1 wrongly recommended CT, 4 of 78 missed, laterality 0.975; and 1.000,
    # none, none of 82, 0.978. Thirteen texts of the sixty-sixth were word for word among the
    # tuning texts (short negatives such as "Bilateral simple renal cysts. No solid mass."):
    # they are left out of reports_test_p, whose 347 texts read 1.000, none, none of 79, 0.976.
    "reports_test_o.jsonl": {"outcome": 0.986, "wrongly_recommended": 1, "missed": 4,
                             "mass": 0.9, "calcification": 0.966, "laterality": 0.975,
                             "organ": 0.913, "follow_up": 0.991},
    "reports_test_p.jsonl": {"outcome": 1.0, "wrongly_recommended": 0, "missed": 0,
                             "mass": 0.916, "calcification": 0.974, "laterality": 0.976,
                             "organ": 0.956, "follow_up": 0.997},
    # The sixty-seventh, sixty-eighth and sixty-ninth blind sets, written after the last change
    # of the rules (e28a7af) and measured once on them (at 67726a5, which changes a comment):
    # outcome 0.983, 2 wrongly recommended CTs, 4 of 79 missed, laterality 0.972; 0.997, none,
    # 1 of 75, 0.975; 0.994, none, 2 of 87, 0.975. Twelve texts of the sixty-ninth were word
    # for word among the tuning texts and are left out of reports_test_s (its 348 read 0.994,
    # none, 2 of 83, 0.974).
    "reports_test_q.jsonl": {"outcome": 0.983, "wrongly_recommended": 2, "missed": 4,
                             "mass": 0.947, "calcification": 0.966, "laterality": 0.972,
                             "organ": 0.938, "follow_up": 0.991},
    "reports_test_r.jsonl": {"outcome": 0.997, "wrongly_recommended": 0, "missed": 1,
                             "mass": 0.902, "calcification": 0.986, "laterality": 0.975,
                             "organ": 0.947, "follow_up": 0.991},
    "reports_test_s.jsonl": {"outcome": 0.994, "wrongly_recommended": 0, "missed": 2,
                             "mass": 0.931, "calcification": 0.979, "laterality": 0.974,
                             "organ": 0.948, "follow_up": 0.991},
    # The seventieth to seventy-second blind sets, written in a hurry (about 40-70 full reports
    # each instead of 120), declared held out and measured once on the rules of e28a7af (at
    # 43cdcd4): outcome 0.994, 1 wrongly recommended CT, 1 of 89 missed, laterality 0.952;
    # 0.988, none, 4 of 88, 0.955; 0.988, 1, 3 of 87, 0.952.
    "reports_test_t.jsonl": {"outcome": 0.994, "wrongly_recommended": 1, "missed": 1,
                             "mass": 0.891, "calcification": 0.986, "laterality": 0.952,
                             "organ": 0.916, "follow_up": 0.994},
    "reports_test_u.jsonl": {"outcome": 0.988, "wrongly_recommended": 0, "missed": 4,
                             "mass": 0.897, "calcification": 0.983, "laterality": 0.955,
                             "organ": 0.919, "follow_up": 0.994},
    "reports_test_v.jsonl": {"outcome": 0.988, "wrongly_recommended": 1, "missed": 3,
                             "mass": 0.908, "calcification": 0.983, "laterality": 0.952,
                             "organ": 0.905, "follow_up": 0.994},
    # The seventy-fifth blind set, declared held out before it was measured, once, on the rules
    # of 27e9fb0: outcome 0.977, 5 wrongly recommended CTs, 3 of 78 missed, laterality 0.958.
    "reports_test_w.jsonl": {"outcome": 0.977, "wrongly_recommended": 5, "missed": 3,
                             "mass": 0.930, "calcification": 0.961, "laterality": 0.958,
                             "organ": 0.930, "follow_up": 0.988},
    # The seventy-sixth to seventy-eighth and eighty-first and eighty-second blind sets (written from
    # a brief rebuilt this session), declared held out before any was measured, and measured once
    # on the rules of round forty-seven (920adcd); the eighty-fifth and eighty-sixth, declared the
    # same way, measured once on those of round forty-eight (4d45220).
    "reports_test_x.jsonl": {"outcome": 0.983, "wrongly_recommended": 1, "missed": 5,
                             "mass": 0.913, "calcification": 0.975, "laterality": 0.93,
                             "organ": 0.897, "follow_up": 0.988},
    "reports_test_y.jsonl": {"outcome": 0.98, "wrongly_recommended": 1, "missed": 6,
                             "mass": 0.902, "calcification": 0.958, "laterality": 0.93,
                             "organ": 0.894, "follow_up": 0.997},
    "reports_test_z.jsonl": {"outcome": 0.988, "wrongly_recommended": 0, "missed": 4,
                             "mass": 0.919, "calcification": 0.986, "laterality": 0.975,
                             "organ": 0.916, "follow_up": 0.986},
    "reports_test_aa.jsonl": {"outcome": 0.991, "wrongly_recommended": 1, "missed": 2,
                              "mass": 0.913, "calcification": 0.986, "laterality": 0.969,
                              "organ": 0.936, "follow_up": 0.988},
    "reports_test_ab.jsonl": {"outcome": 0.988, "wrongly_recommended": 2, "missed": 2,
                              "mass": 0.905, "calcification": 0.969, "laterality": 0.947,
                              "organ": 0.922, "follow_up": 0.986},
    "reports_test_ac.jsonl": {"outcome": 0.983, "wrongly_recommended": 4, "missed": 2,
                              "mass": 0.9, "calcification": 0.975, "laterality": 0.966,
                              "organ": 0.93, "follow_up": 0.986},
    "reports_test_ad.jsonl": {"outcome": 0.994, "wrongly_recommended": 1, "missed": 1,
                              "mass": 0.9, "calcification": 0.975, "laterality": 0.933,
                              "organ": 0.905, "follow_up": 0.986},
    # The ninetieth to ninety-second and ninety-fifth and ninety-sixth blind sets, declared held
    # out before any was measured, and measured once on the rules of round fifty (2d455a2).
    "reports_test_ae.jsonl": {"outcome": 0.991, "wrongly_recommended": 2, "missed": 1,
                              "mass": 0.936, "calcification": 0.975, "laterality": 0.969,
                              "organ": 0.93, "follow_up": 0.988},
    "reports_test_af.jsonl": {"outcome": 0.997, "wrongly_recommended": 0, "missed": 1,
                              "mass": 0.919, "calcification": 0.969, "laterality": 0.977,
                              "organ": 0.941, "follow_up": 0.997},
    "reports_test_ag.jsonl": {"outcome": 0.994, "wrongly_recommended": 1, "missed": 1,
                              "mass": 0.9, "calcification": 0.975, "laterality": 0.952,
                              "organ": 0.925, "follow_up": 0.997},
    "reports_test_ah.jsonl": {"outcome": 0.994, "wrongly_recommended": 1, "missed": 1,
                              "mass": 0.916, "calcification": 0.972, "laterality": 0.991,
                              "organ": 0.938, "follow_up": 0.991},
    "reports_test_ai.jsonl": {"outcome": 0.986, "wrongly_recommended": 2, "missed": 3,
                              "mass": 0.908, "calcification": 0.969, "laterality": 0.941,
                              "organ": 0.905, "follow_up": 0.994},
    # The ninety-ninth and hundredth, declared held out before they were measured, and measured
    # once on the rules of round fifty-one (ce33ebf).
    "reports_test_aj.jsonl": {"outcome": 0.988, "wrongly_recommended": 0, "missed": 4,
                              "mass": 0.916, "calcification": 0.977, "laterality": 0.972,
                              "organ": 0.936, "follow_up": 0.991},
    "reports_test_ak.jsonl": {"outcome": 0.991, "wrongly_recommended": 0, "missed": 3,
                              "mass": 0.922, "calcification": 0.972, "laterality": 0.969,
                              "organ": 0.93, "follow_up": 1.0},
    # The hundred-and-third, hundred-and-fourth, hundred-and-seventh and hundred-and-eighth,
    # declared held out before they were measured, and measured once on the rules of round
    # fifty-five (c1e6a90). The hundred-and-third was also measured, by mistake, on the rules at
    # the start of that session (e9fd48f): the same figures.
    "reports_test_al.jsonl": {"outcome": 0.986, "wrongly_recommended": 0, "missed": 5,
                              "mass": 0.911, "calcification": 0.961, "laterality": 0.958,
                              "organ": 0.936, "follow_up": 0.983},
    "reports_test_am.jsonl": {"outcome": 0.991, "wrongly_recommended": 1, "missed": 2,
                              "mass": 0.908, "calcification": 0.977, "laterality": 0.955,
                              "organ": 0.933, "follow_up": 0.986},
    "reports_test_an.jsonl": {"outcome": 0.997, "wrongly_recommended": 0, "missed": 1,
                              "mass": 0.888, "calcification": 0.972, "laterality": 0.975,
                              "organ": 0.933, "follow_up": 0.994},
    "reports_test_ao.jsonl": {"outcome": 0.997, "wrongly_recommended": 1, "missed": 0,
                              "mass": 0.897, "calcification": 0.963, "laterality": 0.975,
                              "organ": 0.941, "follow_up": 1.0},
    # The hundred-and-thirteenth and hundred-and-fourteenth, declared held out before they were
    # measured, and measured once on the same rules (c1e6a90).
    "reports_test_ap.jsonl": {"outcome": 0.997, "wrongly_recommended": 1, "missed": 0,
                              "mass": 0.938, "calcification": 0.986, "laterality": 0.972,
                              "organ": 0.938, "follow_up": 0.991},
    "reports_test_aq.jsonl": {"outcome": 0.991, "wrongly_recommended": 3, "missed": 0,
                              "mass": 0.930, "calcification": 0.972, "laterality": 0.975,
                              "organ": 0.933, "follow_up": 0.986},
    # The hundred-and-nineteenth and hundred-and-twentieth, declared held out before any set of
    # the session was measured, and measured once on the rules of round fifty-seven (a412876).
    "reports_test_ar.jsonl": {"outcome": 0.991, "wrongly_recommended": 0, "missed": 3,
                              "mass": 0.922, "calcification": 0.963, "laterality": 0.975,
                              "organ": 0.930, "follow_up": 0.997},
    "reports_test_as.jsonl": {"outcome": 0.991, "wrongly_recommended": 1, "missed": 2,
                              "mass": 0.933, "calcification": 0.980, "laterality": 0.972,
                              "organ": 0.925, "follow_up": 0.994},
    # The hundred-and-twenty-third and hundred-and-twenty-fourth, declared held out before any of
    # the four sets written after round fifty-seven was measured, and measured once on the rules
    # of round fifty-eight (23690c4).
    "reports_test_at.jsonl": {"outcome": 0.977, "wrongly_recommended": 3, "missed": 5,
                              "mass": 0.922, "calcification": 0.947, "laterality": 0.958,
                              "organ": 0.922, "follow_up": 0.988},
    "reports_test_au.jsonl": {"outcome": 0.980, "wrongly_recommended": 2, "missed": 5,
                              "mass": 0.894, "calcification": 0.969, "laterality": 0.977,
                              "organ": 0.933, "follow_up": 0.991},
    "reports_test_av.jsonl": {"outcome": 0.988, "wrongly_recommended": 0, "missed": 4,
                              "mass": 0.911, "calcification": 0.969, "laterality": 0.972,
                              "organ": 0.925, "follow_up": 0.994},
    "reports_test_aw.jsonl": {"outcome": 0.991, "wrongly_recommended": 2, "missed": 1,
                              "mass": 0.919, "calcification": 0.966, "laterality": 0.944,
                              "organ": 0.944, "follow_up": 0.991},
    "reports_test_ax.jsonl": {"outcome": 0.997, "wrongly_recommended": 0, "missed": 1,
                              "mass": 0.911, "calcification": 0.963, "laterality": 0.955,
                              "organ": 0.930, "follow_up": 0.988},
    "reports_test_ay.jsonl": {"outcome": 0.977, "wrongly_recommended": 3, "missed": 5,
                              "mass": 0.913, "calcification": 0.966, "laterality": 0.983,
                              "organ": 0.936, "follow_up": 0.983},
    "reports_test_az.jsonl": {"outcome": 0.983, "wrongly_recommended": 2, "missed": 4,
                              "mass": 0.897, "calcification": 0.950, "laterality": 0.938,
                              "organ": 0.886, "follow_up": 0.994},
    "reports_test_ba.jsonl": {"outcome": 0.991, "wrongly_recommended": 1, "missed": 2,
                              "mass": 0.938, "calcification": 0.966, "laterality": 0.977,
                              "organ": 0.944, "follow_up": 1.0},
    "reports_test_bb.jsonl": {"outcome": 0.994, "wrongly_recommended": 2, "missed": 0,
                              "mass": 0.897, "calcification": 0.963, "laterality": 0.977,
                              "organ": 0.950, "follow_up": 0.997},
    "reports_test_bc.jsonl": {"outcome": 0.991, "wrongly_recommended": 1, "missed": 2,
                              "mass": 0.905, "calcification": 0.963, "laterality": 0.969,
                              "organ": 0.927, "follow_up": 0.988},
    "reports_test_bd.jsonl": {"outcome": 0.997, "wrongly_recommended": 0, "missed": 1,
                              "mass": 0.900, "calcification": 0.969, "laterality": 0.966,
                              "organ": 0.930, "follow_up": 0.994},
    "reports_test_be.jsonl": {"outcome": 0.991, "wrongly_recommended": 2, "missed": 1,
                              "mass": 0.925, "calcification": 0.961, "laterality": 0.975,
                              "organ": 0.936, "follow_up": 0.997},
    "reports_test_bf.jsonl": {"outcome": 0.994, "wrongly_recommended": 1, "missed": 1,
                              "mass": 0.925, "calcification": 0.980, "laterality": 0.941,
                              "organ": 0.941, "follow_up": 0.997},
    "reports_test_bg.jsonl": {"outcome": 0.997, "wrongly_recommended": 0, "missed": 1,
                              "mass": 0.930, "calcification": 0.966, "laterality": 0.980,
                              "organ": 0.933, "follow_up": 0.986},
    "reports_test_bh.jsonl": {"outcome": 0.986, "wrongly_recommended": 2, "missed": 3,
                              "mass": 0.911, "calcification": 0.975, "laterality": 0.975,
                              "organ": 0.950, "follow_up": 0.994},
    "reports_test_bi.jsonl": {"outcome": 0.991, "wrongly_recommended": 1, "missed": 2,
                              "mass": 0.922, "calcification": 0.977, "laterality": 0.969,
                              "organ": 0.927, "follow_up": 0.997},
    "reports_test_bj.jsonl": {"outcome": 0.994, "wrongly_recommended": 1, "missed": 1,
                              "mass": 0.927, "calcification": 0.969, "laterality": 0.986,
                              "organ": 0.952, "follow_up": 0.994},
    "reports_test_bk.jsonl": {"outcome": 0.975, "wrongly_recommended": 2, "missed": 7,
                              "mass": 0.880, "calcification": 0.961, "laterality": 0.955,
                              "organ": 0.908, "follow_up": 0.991},
    "reports_test_bl.jsonl": {"outcome": 0.991, "wrongly_recommended": 2, "missed": 1,
                              "mass": 0.922, "calcification": 0.972, "laterality": 0.977,
                              "organ": 0.922, "follow_up": 0.988},
    "reports_test_bm.jsonl": {"outcome": 0.991, "wrongly_recommended": 2, "missed": 1,
                              "mass": 0.927, "calcification": 0.986, "laterality": 0.983,
                              "organ": 0.95, "follow_up": 0.991},
    "reports_test_bn.jsonl": {"outcome": 0.997, "wrongly_recommended": 1, "missed": 0,
                              "mass": 0.902, "calcification": 0.977, "laterality": 0.969,
                              "organ": 0.933, "follow_up": 1.0},
    "reports_test_bo.jsonl": {"outcome": 1.0, "wrongly_recommended": 0, "missed": 0,
                              "mass": 0.855, "calcification": 0.966, "laterality": 0.947,
                              "organ": 0.9, "follow_up": 0.988},
    "reports_test_bp.jsonl": {"outcome": 0.991, "wrongly_recommended": 1, "missed": 2,
                              "mass": 0.916, "calcification": 0.98, "laterality": 0.955,
                              "organ": 0.913, "follow_up": 0.988},
    "reports_test_bq.jsonl": {"outcome": 0.988, "wrongly_recommended": 1, "missed": 3,
                              "mass": 0.891, "calcification": 0.972, "laterality": 0.977,
                              "organ": 0.913, "follow_up": 0.997},
    "reports_test_br.jsonl": {"outcome": 0.988, "wrongly_recommended": 1, "missed": 3,
                              "mass": 0.919, "calcification": 0.975, "laterality": 0.963,
                              "organ": 0.919, "follow_up": 0.991},
    "reports_test_bs.jsonl": {"outcome": 0.983, "wrongly_recommended": 3, "missed": 3,
                              "mass": 0.897, "calcification": 0.966, "laterality": 0.947,
                              "organ": 0.93, "follow_up": 1.0},
    "reports_test_bt.jsonl": {"outcome": 0.988, "wrongly_recommended": 1, "missed": 3,
                              "mass": 0.919, "calcification": 0.922, "laterality": 0.952,
                              "organ": 0.908, "follow_up": 0.988},
    "reports_test_bu.jsonl": {"outcome": 0.994, "wrongly_recommended": 1, "missed": 1,
                              "mass": 0.925, "calcification": 0.955, "laterality": 0.963,
                              "organ": 0.927, "follow_up": 0.991},
    "reports_test_bv.jsonl": {"outcome": 0.997, "wrongly_recommended": 1, "missed": 0,
                              "mass": 0.922, "calcification": 0.966, "laterality": 0.975,
                              "organ": 0.969, "follow_up": 0.991},
    "reports_test_bw.jsonl": {"outcome": 0.997, "wrongly_recommended": 0, "missed": 1,
                              "mass": 0.911, "calcification": 0.969, "laterality": 0.975,
                              "organ": 0.944, "follow_up": 0.988},
    "reports_test_bx.jsonl": {"outcome": 0.977, "wrongly_recommended": 3, "missed": 5,
                              "mass": 0.916, "calcification": 0.972, "laterality": 0.955,
                              "organ": 0.933, "follow_up": 0.988},
    "reports_test_by.jsonl": {"outcome": 0.975, "wrongly_recommended": 3, "missed": 6,
                              "mass": 0.941, "calcification": 0.975, "laterality": 0.977,
                              "organ": 0.941, "follow_up": 0.972},
    "reports_test_bz.jsonl": {"outcome": 0.983, "wrongly_recommended": 4, "missed": 2,
                              "mass": 0.897, "calcification": 0.969, "laterality": 0.955,
                              "organ": 0.888, "follow_up": 0.994},
    "reports_test_ca.jsonl": {"outcome": 0.991, "wrongly_recommended": 1, "missed": 2,
                              "mass": 0.886, "calcification": 0.988, "laterality": 0.961,
                              "organ": 0.911, "follow_up": 0.991},
    "reports_test_cb.jsonl": {"outcome": 0.977, "wrongly_recommended": 3, "missed": 5,
                              "mass": 0.911, "calcification": 0.938, "laterality": 0.941,
                              "organ": 0.911, "follow_up": 0.997},
    "reports_test_cc.jsonl": {"outcome": 0.997, "wrongly_recommended": 0, "missed": 1,
                              "mass": 0.891, "calcification": 0.98, "laterality": 0.952,
                              "organ": 0.913, "follow_up": 0.988},
    "reports_test_cd.jsonl": {"outcome": 0.994, "wrongly_recommended": 0, "missed": 2,
                              "mass": 0.891, "calcification": 0.988, "laterality": 0.958,
                              "organ": 0.922, "follow_up": 0.997},
    "reports_test_ce.jsonl": {"outcome": 0.988, "wrongly_recommended": 3, "missed": 1,
                              "mass": 0.913, "calcification": 0.983, "laterality": 0.975,
                              "organ": 0.938, "follow_up": 0.991},
    "reports_test_cf.jsonl": {"outcome": 0.994, "wrongly_recommended": 1, "missed": 1,
                              "mass": 0.93, "calcification": 0.969, "laterality": 0.98,
                              "organ": 0.958, "follow_up": 0.991},
    "reports_test_cg.jsonl": {"outcome": 1.0, "wrongly_recommended": 0, "missed": 0,
                              "mass": 0.933, "calcification": 0.98, "laterality": 0.975,
                              "organ": 0.93, "follow_up": 0.994},
    "reports_test_ch.jsonl": {"outcome": 0.994, "wrongly_recommended": 2, "missed": 0,
                              "mass": 0.902, "calcification": 0.972, "laterality": 0.983,
                              "organ": 0.925, "follow_up": 0.994},
    "reports_test_ci.jsonl": {"outcome": 0.994, "wrongly_recommended": 1, "missed": 1,
                              "mass": 0.927, "calcification": 0.963, "laterality": 0.986,
                              "organ": 0.95, "follow_up": 0.988},
    "reports_test_cj.jsonl": {"outcome": 0.994, "wrongly_recommended": 0, "missed": 2,
                              "mass": 0.927, "calcification": 0.966, "laterality": 0.975,
                              "organ": 0.952, "follow_up": 0.991},
    "reports_test_ck.jsonl": {"outcome": 0.98, "wrongly_recommended": 1, "missed": 6,
                              "mass": 0.891, "calcification": 0.941, "laterality": 0.938,
                              "organ": 0.897, "follow_up": 0.994},
    "reports_test_cl.jsonl": {"outcome": 0.991, "wrongly_recommended": 0, "missed": 3,
                              "mass": 0.927, "calcification": 0.98, "laterality": 0.972,
                              "organ": 0.941, "follow_up": 0.994},
    "reports_test_cm.jsonl": {"outcome": 0.997, "wrongly_recommended": 1, "missed": 0,
                              "mass": 0.927, "calcification": 0.972, "laterality": 0.98,
                              "organ": 0.93, "follow_up": 0.994},
    "reports_test_cn.jsonl": {"outcome": 0.988, "wrongly_recommended": 3, "missed": 1,
                              "mass": 0.891, "calcification": 0.972, "laterality": 0.975,
                              "organ": 0.925, "follow_up": 0.994},
    "reports_test_co.jsonl": {"outcome": 0.994, "wrongly_recommended": 0, "missed": 2,
                              "mass": 0.905, "calcification": 0.972, "laterality": 0.969,
                              "organ": 0.944, "follow_up": 0.991},
    "reports_test_cp.jsonl": {"outcome": 0.994, "wrongly_recommended": 1, "missed": 1,
                              "mass": 0.93, "calcification": 0.988, "laterality": 0.944,
                              "organ": 0.952, "follow_up": 0.986},
    "reports_test_cq.jsonl": {"outcome": 0.986, "wrongly_recommended": 1, "missed": 4,
                              "mass": 0.908, "calcification": 0.955, "laterality": 0.969,
                              "organ": 0.913, "follow_up": 0.986},
    "reports_test_cr.jsonl": {"outcome": 0.991, "wrongly_recommended": 0, "missed": 3,
                              "mass": 0.919, "calcification": 0.961, "laterality": 0.958,
                              "organ": 0.905, "follow_up": 0.997},
    "reports_test_cs.jsonl": {"outcome": 0.991, "wrongly_recommended": 1, "missed": 2,
                              "mass": 0.941, "calcification": 0.975, "laterality": 0.963,
                              "organ": 0.941, "follow_up": 0.997},
    # The 232nd, 234th, 236th and 238th blind sets, measured once on the rules frozen at
    # ab9c645: test_ct outcome 0.992, 1 wrong CT, 2 of 88 missed, laterality 0.981; test_cu
    # 0.994, none, 2 of 76, 0.944; test_cv 0.981, 1, 6 of 85, 0.939; test_cw 0.994, none, 2 of
    # 86, 0.956.
    "reports_test_ct.jsonl": {"outcome": 0.991, "wrongly_recommended": 1, "missed": 2,
                              "mass": 0.93, "calcification": 0.975, "laterality": 0.98,
                              "organ": 0.933, "follow_up": 0.994},
    "reports_test_cu.jsonl": {"outcome": 0.994, "wrongly_recommended": 0, "missed": 2,
                              "mass": 0.891, "calcification": 0.98, "laterality": 0.944,
                              "organ": 0.908, "follow_up": 1.0},
    "reports_test_cv.jsonl": {"outcome": 0.98, "wrongly_recommended": 1, "missed": 6,
                              "mass": 0.886, "calcification": 0.944, "laterality": 0.938,
                              "organ": 0.888, "follow_up": 0.988},
    "reports_test_cw.jsonl": {"outcome": 0.994, "wrongly_recommended": 0, "missed": 2,
                              "mass": 0.902, "calcification": 0.975, "laterality": 0.955,
                              "organ": 0.927, "follow_up": 0.994},
    # The 240th and 242nd, measured once on the rules of 3460366: test_cx outcome 0.989, 2 wrong
    # CTs, 2 of 82 missed, laterality 0.981; test_cy 0.994, none, 2 of 83, 0.972.
    "reports_test_cx.jsonl": {"outcome": 0.988, "wrongly_recommended": 2, "missed": 2,
                              "mass": 0.916, "calcification": 0.977, "laterality": 0.98,
                              "organ": 0.93, "follow_up": 0.994},
    "reports_test_cy.jsonl": {"outcome": 0.994, "wrongly_recommended": 0, "missed": 2,
                              "mass": 0.927, "calcification": 0.98, "laterality": 0.972,
                              "organ": 0.944, "follow_up": 0.994},
    # The 244th and 246th, measured once on the rules of 7d47f40: test_cz outcome 0.992, 1 wrong
    # CT, 2 of 87 missed, laterality 0.989; test_da 1.000, none, 0 of 85, 0.958.
    "reports_test_cz.jsonl": {"outcome": 0.991, "wrongly_recommended": 1, "missed": 2,
                              "mass": 0.922, "calcification": 0.975, "laterality": 0.988,
                              "organ": 0.947, "follow_up": 0.997},
    "reports_test_da.jsonl": {"outcome": 1.0, "wrongly_recommended": 0, "missed": 0,
                              "mass": 0.905, "calcification": 0.986, "laterality": 0.958,
                              "organ": 0.944, "follow_up": 0.994},
    # The 248th and 250th, measured once on the rules of f52152e: test_db outcome 1.000, no
    # wrong CT, 0 of 88 missed, laterality 0.981; test_dc 0.992, 2, 1 of 87, 0.956.
    "reports_test_db.jsonl": {"outcome": 1.0, "wrongly_recommended": 0, "missed": 0,
                              "mass": 0.922, "calcification": 0.98, "laterality": 0.98,
                              "organ": 0.938, "follow_up": 0.991},
    "reports_test_dc.jsonl": {"outcome": 0.991, "wrongly_recommended": 2, "missed": 1,
                              "mass": 0.9, "calcification": 0.977, "laterality": 0.955,
                              "organ": 0.95, "follow_up": 0.986},
    # The 252nd and 254th, measured once on the rules of 5f3dc55: test_dd outcome 0.994, 1 wrong
    # CT, 1 of 85 missed, laterality 0.975; test_de 0.994, 1, 1 of 84, 0.989.
    "reports_test_dd.jsonl": {"outcome": 0.994, "wrongly_recommended": 1, "missed": 1,
                              "mass": 0.88, "calcification": 0.969, "laterality": 0.975,
                              "organ": 0.913, "follow_up": 0.997},
    "reports_test_de.jsonl": {"outcome": 0.994, "wrongly_recommended": 1, "missed": 1,
                              "mass": 0.936, "calcification": 0.983, "laterality": 0.988,
                              "organ": 0.95, "follow_up": 0.997},
}
HELD_OUT = tuple(HELD_OUT_FLOORS)
FIELDS = ("mass", "calcification", "laterality", "organ", "follow_up")


@pytest.fixture(scope="module")
def results() -> dict[str, evaluate_text.Result]:
    """Every corpus read once, one worker per core (about 300 texts a second in all).

    The workers are spawned, not forked: earlier tests may have left threads in this process.
    """
    names = [name for name in TUNING + HELD_OUT if (DATA / name).is_file()]
    workers = min(len(names), os.cpu_count() or 1)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return dict(zip(names, pool.map(evaluate_text.evaluate, [DATA / name for name in names])))


@pytest.fixture(params=TUNING)
def tune(request, results):
    return request.param, results[request.param]


@pytest.fixture(params=HELD_OUT)
def held_out(request, results):
    assert (DATA / request.param).is_file(), f"the held-out corpus {request.param} is missing"
    return request.param, results[request.param]


def _texts(name: str) -> set[str]:
    return {json.loads(line)["text"] for line in (DATA / name).read_text().splitlines()}


def test_tuning_corpora_are_large_enough():
    for name in TUNING:
        assert len(_texts(name)) >= 150, name


@pytest.mark.parametrize("name", HELD_OUT)
def test_held_out_corpus_is_large_enough_and_apart(name):
    assert (DATA / name).is_file(), f"the held-out corpus {name} is missing"
    assert len(_texts(name)) >= 150
    # Writers who never met all wrote "NAD.", "Normal abdominal ultrasound." or "Presacral solid
    # mass 4 cm with calcification."; a few short texts are written word for word by two of
    # them, never a set's worth. No set, tuned on or held out, may share more than a few with
    # it. All that the rules were tuned on together may share a few more: over a hundred
    # tuning sets repeat the same generic sentences of the first brief ("Left adrenal mass 3 cm
    # without calcification."), one or two from each (8 to 11 of 360 on eight of the oldest
    # held-out sets, after the hundred-and-eighty-first).
    sets = [(_texts(other), other) for other in TUNING + HELD_OUT if other != name]
    tuned_on = set().union(*map(_texts, TUNING))
    for others, what, share in [(tuned_on, "the tuning texts", 0.05)] + [(t, n, 0.03) for t, n in sets]:
        longer = [text for text in _texts(name) & others if len(text.split()) > 6]
        assert len(longer) <= share * len(_texts(name)), \
            f"{len(longer)} held-out texts are among {what}: {sorted(longer)[:5]}"


def test_tuning_corpora_never_recommend_ct_wrongly_nor_miss(tune):
    name, result = tune
    floors = TUNING_FLOORS[name]
    assert result.wrongly_recommended <= floors.get("wrongly_recommended", 0)
    assert result.missed <= floors.get("missed", 0)
    assert result.outcome_accuracy >= floors["outcome"]
    for field in FIELDS:
        assert result.field_accuracy[field] >= floors[field], field


def test_held_out_corpus_keeps_the_figures_measured_once_on_it(held_out):
    name, result = held_out
    floors = HELD_OUT_FLOORS[name]
    assert result.outcome_accuracy >= floors["outcome"]
    assert result.wrongly_recommended <= floors["wrongly_recommended"]
    assert result.missed <= floors["missed"]
    for field in FIELDS:
        assert result.field_accuracy[field] >= floors[field], field
