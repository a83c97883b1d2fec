"""Evidence: what a study's instances say about mass, calcification and side.

One module per kind of evidence: ``header`` (attributes and order text),
``findings_sr`` (the sonographer's SR), ``text`` (the free-text reader),
``masks`` (mass outlines from SEG and SR), ``pixels`` (decoding to grey frames),
``ocr`` (annotations burned into the images, read by Tesseract) and ``detect``
(the calcification detector). Evidence never imports the node,
the output or the web page.
"""
