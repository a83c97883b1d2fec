"""The DICOM node: receive, spool, journal, assemble (quiet window), dispatch, and the
server that runs them side by side.

Data flows receive -> spool + journal -> assemble (analyze, decide, output) ->
dispatch. The node orchestrates the other stages; nothing outside it imports it
except the command line.
"""
