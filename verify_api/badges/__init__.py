"""Badge images: tier designs (SVG/PNG), QR codes, baking credentials into PNG iTXt and SVG elements.

Rule: badges/ is pure (no I/O beyond its bundled assets) and imports only errors and domain value types of ours.
"""
