"""Query: a picture to search for, and the readings made of it.

``images`` (image bytes decoded safely), ``files`` (a query file as frames), ``borders`` (the
picture inside bars, frames and banners), ``means`` (block means, padded and with colour edits
undone), ``readings`` (the signatures one picture is searched with).
"""
