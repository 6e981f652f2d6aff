"""One module (or package) per provider; `registry.PROVIDERS` lists them."""
