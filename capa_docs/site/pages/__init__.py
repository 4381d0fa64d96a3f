"""One builder per page kind, each a function from the build's ``SiteContext`` to pages.

``finding`` (one page per finding), ``register`` (the table of all findings),
``review`` (the management review), ``clauses`` (findings by ISO/IEC 27001 clause),
``index`` (the home page, when the site has none of its own) and ``packs`` (the review
packs and their index). ``site.render`` calls them in the order the site lists pages.
"""
