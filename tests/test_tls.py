"""DICOM TLS (BCP 195) on the listener and in dispatch, against DCMTK's TLS peers, with
certificates the test makes; and the worklist beyond loopback only with a token over TLS."""

from __future__ import annotations

import base64
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from pydicom import dcmread

from conftest import SAMPLES, free_port, require_isolated_network, run, wait_for

pytestmark = pytest.mark.timeout(180)
STUDY = SAMPLES / "01-calcified-left-flank-coded"


def openssl(*args: str, cwd: Path) -> None:
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def leaf(name: str, folder: Path, ca: str = "ca") -> None:
    """A 2048-bit RSA key and a certificate for 127.0.0.1 signed by ``ca`` (or self-signed)."""
    extensions = folder / f"{name}.ext"
    extensions.write_text("basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\n"
                          "extendedKeyUsage=serverAuth,clientAuth\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
            "-subj", f"/CN={name}", cwd=folder)
    signer = (["-CA", f"{ca}.crt", "-CAkey", f"{ca}.key", "-CAcreateserial"] if ca != name
              else ["-signkey", f"{name}.key"])
    openssl("x509", "-req", "-in", f"{name}.csr", *signer, "-out", f"{name}.crt", "-days", "2",
            "-extfile", extensions.name, cwd=folder)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pki")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
            "-days", "2", "-subj", "/CN=advisor test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
    for name in ("node", "dcmtk", "pacs"):
        leaf(name, folder)
    leaf("rogue", folder, ca="rogue")  # self-signed: not trusted by the node
    return folder


def tls_flags(pki: Path, require_client_cert: bool = True) -> list[str]:
    flags = ["--tls-cert", str(pki / "node.crt"), "--tls-key", str(pki / "node.key"),
             "--tls-ca", str(pki / "ca.crt")]
    return flags + (["--tls-require-client-cert"] if require_client_cert else [])


def echoscu(dcmtk, node, *tls: str):
    return run([dcmtk("echoscu"), *tls, "-aec", node.ae_title, "127.0.0.1", str(node.port)])


def test_dcmtk_echoscu_and_storescu_over_tls(dcmtk, start_node, certificates):
    pki = certificates
    node = start_node("--quiet-seconds", "1", *tls_flags(pki))
    client = ["+tls", str(pki / "dcmtk.key"), str(pki / "dcmtk.crt"), "+cf", str(pki / "ca.crt")]
    echo = echoscu(dcmtk, node, *client)
    assert echo.returncode == 0, echo.stdout + echo.stderr
    own = run([sys.executable, "-m", "advisor.cli", "echo", f"{node.address}+tls",
               "--tls-cert", str(pki / "dcmtk.crt"), "--tls-key", str(pki / "dcmtk.key"),
               "--tls-ca", str(pki / "ca.crt")])
    assert own.returncode == 0 and "success" in own.stdout, own.stderr
    store = run([dcmtk("storescu"), *client, "-aet", "DCMTK", "-aec", node.ae_title, "127.0.0.1",
                 str(node.port), "+sd", str(STUDY)])
    assert store.returncode == 0, store.stdout + store.stderr
    study = str(dcmread(next(STUDY.glob("US*.dcm")), stop_before_pixels=True).StudyInstanceUID)
    wait_for(lambda: list((node.data_dir / "outbox" / study).glob("*.dcm")), what="SR in outbox")
    assert '"tls": true' in (node.data_dir / "audit.jsonl").read_text()


@pytest.mark.parametrize("client", [
    "self-signed certificate", "no certificate (anonymous TLS)", "no TLS at all"])
def test_a_peer_without_a_valid_certificate_is_refused(dcmtk, start_node, certificates, client):
    pki = certificates
    node = start_node(*tls_flags(pki))
    flags = {"self-signed certificate": ["+tls", str(pki / "rogue.key"), str(pki / "rogue.crt"),
                                         "+cf", str(pki / "ca.crt")],
             "no certificate (anonymous TLS)": ["+tla", "+cf", str(pki / "ca.crt")],
             "no TLS at all": []}[client]
    refused = echoscu(dcmtk, node, *flags)
    assert refused.returncode != 0
    good = echoscu(dcmtk, node, "+tls", str(pki / "dcmtk.key"), str(pki / "dcmtk.crt"),
                   "+cf", str(pki / "ca.crt"))
    assert good.returncode == 0, "the node still serves peers with a valid certificate"
    audit = (node.data_dir / "audit.jsonl").read_text()
    assert '"event": "association-refused"' in audit and "TLS handshake failed" in audit


def test_without_required_client_certificates_a_presented_one_is_still_checked(
        dcmtk, start_node, certificates):
    pki = certificates
    node = start_node(*tls_flags(pki, require_client_cert=False))
    anonymous = echoscu(dcmtk, node, "+tla", "+cf", str(pki / "ca.crt"))
    assert anonymous.returncode == 0, anonymous.stdout + anonymous.stderr
    rogue = echoscu(dcmtk, node, "+tls", str(pki / "rogue.key"), str(pki / "rogue.crt"),
                    "+cf", str(pki / "ca.crt"))
    assert rogue.returncode != 0


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated")
def test_tls_1_1_is_refused(start_node, certificates):
    pki = certificates
    node = start_node(*tls_flags(pki, require_client_cert=False))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(pki / "ca.crt")
    context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_1
    context.set_ciphers("ALL:@SECLEVEL=0")
    with socket.create_connection(("127.0.0.1", node.port), timeout=10) as raw:
        # The client offers TLS 1.1; the node answers with a protocol-version alert.
        with pytest.raises(ssl.SSLError, match="PROTOCOL_VERSION"):
            context.wrap_socket(raw, server_hostname="127.0.0.1")


def test_dispatch_to_dcmtk_storescp_over_tls(dcmtk, start_node, certificates, tmp_path):
    require_isolated_network()
    pki = certificates
    port, folder = free_port(), tmp_path / "pacs"
    folder.mkdir()
    storescp = subprocess.Popen(
        [dcmtk("storescp"), "+tls", str(pki / "pacs.key"), str(pki / "pacs.crt"),
         "+cf", str(pki / "ca.crt"), "-aet", "PACS", "-od", str(folder), str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def listening() -> bool:
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0
        wait_for(listening, what="storescp +tls")
        node = start_node("--quiet-seconds", "1", *tls_flags(pki),
                          "--destination", f"PACS@127.0.0.1:{port}+tls")
        client = ["+tls", str(pki / "dcmtk.key"), str(pki / "dcmtk.crt"), "+cf", str(pki / "ca.crt")]
        store = run([dcmtk("storescu"), *client, "-aec", node.ae_title, "127.0.0.1",
                     str(node.port), "+sd", str(STUDY)])
        assert store.returncode == 0, store.stdout + store.stderr
        received = wait_for(lambda: sorted(folder.glob("*")) if len(list(folder.glob("*"))) >= 3
                            else None, timeout=60, what="SR, key image and KOS at storescp +tls")
        assert {dcmread(p).Modality for p in received} == {"SR", "OT", "KO"}
    finally:
        storescp.terminate()
        storescp.wait(timeout=10)


def get(url: str, pki: Path, authorization: str | None = None) -> int:
    context = ssl.create_default_context(cafile=pki / "ca.crt")
    request = urllib.request.Request(url, headers={"Authorization": authorization} if authorization else {})
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_worklist_beyond_loopback_needs_a_token_over_tls(start_node, certificates, tmp_path):
    require_isolated_network()  # binds 0.0.0.0: in the test namespace that is loopback only
    pki = certificates
    http_port = free_port()
    refused = run([sys.executable, "-m", "advisor.cli", "serve", "--data-dir", str(tmp_path / "x"),
                   "--port", str(free_port()), "--http-host", "0.0.0.0", "--http-port", str(http_port)])
    assert refused.returncode == 2 and "needs http_token and tls_cert" in refused.stderr
    config = tmp_path / "advisor.toml"
    config.write_text('http_token = "s3cret-token"\n')
    start_node("--config", str(config), "--http-host", "0.0.0.0", "--http-port", str(http_port),
               *tls_flags(pki, require_client_cert=False))
    url = f"https://127.0.0.1:{http_port}/api/studies"
    wait_for(lambda: get(url, pki) == 401, what="worklist answering 401 without the token")
    assert get(url, pki, "Bearer wrong") == 401
    assert get(url, pki, "Bearer s3cret-token") == 200
    basic = base64.b64encode(b"radiographer:s3cret-token").decode()
    assert get(url, pki, f"Basic {basic}") == 200
