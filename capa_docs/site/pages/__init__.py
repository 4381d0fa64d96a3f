"""One builder per page kind, each a function from the build's ``SiteContext`` to pages.

``finding`` (one page per finding), ``register`` (the table of all findings),
``review`` (the management review, and one per standard when there are several),
``clauses`` (findings by clause: one page per configured standard),
``index`` (the home page, when the site has none of its own) and ``packs`` (the review
packs and their index). ``site.render`` calls them in the order the site lists pages.
"""
