#!/bin/sh
# layering.t - the dependencies run one way (HACKING, "Where things
# are"): includes from the sources, calls from the built objects' symbols
# (t/layering.py).
. "$top_srcdir/t/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
command -v nm >/dev/null || skip_all "nm not installed"
python3 "$top_srcdir/t/layering.py" "$top_srcdir" "$top_builddir"
