"""Hyper-parameter search on Ray Tune: everything in the runner that imports Ray lives here.

A single trial never imports this package (a test checks it), so `train` starts without Ray.
"""
