"""Tagging: the ONNX tagger, text encoding, the decision rule, the keyword baseline and file jobs."""
