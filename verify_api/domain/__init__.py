"""Pure rules: tiers, credential documents, status lifecycle, organisation rules, codes, the verdict.

Rule: domain/ does no I/O and imports only errors and settings of ours (nothing from services/, db/ or api/).
"""
