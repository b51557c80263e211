"""Open data: aggregate downloads and the IATI 2.03 activity export."""
