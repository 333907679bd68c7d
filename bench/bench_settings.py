"""comfyweb's settings with STATIC_ROOT in a temporary folder: collectstatic stays out of the tree.

With DEBUG off the manifest storage needs collected files to render any page; the project's
STATIC_ROOT is fixed to <repo>/staticfiles, which the benchmark must not write to.
"""

import os

from comfyweb.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
