"""Output: the objects the advisor writes back to the PACS.

``report`` (the recommendation SR, TID 1500), ``keyimage`` (a Secondary Capture
of the key frame) and ``show`` (any SR as text in a terminal).
"""
