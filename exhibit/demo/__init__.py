"""The demo exhibit: content written from DESIGN.md's facts, generated placeholder images, and
the loader behind ``manage.py load_demo``.

``content`` holds the data, ``essay.md`` the essay, ``placeholders`` draws the images (Pillow
only, no Django) and ``loader.load_demo()`` writes it all to the database. Importing any of
them touches no database.
"""
