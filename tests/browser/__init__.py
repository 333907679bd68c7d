HOW_TO_ENABLE = (
    "browser tests need Debian's chromium at /usr/bin/chromium and the playwright package: "
    "`apt-get install chromium` and `pip install -e '.[dev]'` (never `playwright install`)"
)
