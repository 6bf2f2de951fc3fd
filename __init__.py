"""Not a package: the root of an sdf checkout.

Run from the folder that holds a checkout named ``sdf``, ``import sdf`` finds this folder first
(Python looks in the current folder before the installed packages) and, without this file,
imports it as an empty namespace package: the failure then comes later and says nothing useful
("module 'sdf' has no attribute 'open'"). This file turns that into an error that says what
happened. The package itself is the ``sdf`` folder inside the checkout. Imported under any other
name (a test runner collecting the checkout), it does nothing.
"""
import os as _os

if __name__ == "sdf":
    raise ImportError(
        f"'import sdf' found the checkout {_os.path.dirname(_os.path.abspath(__file__))} in the current folder "
        "instead of the installed package: run Python from another folder (or rename the checkout)",
        name=__name__, path=__file__)
