import logging

from comfyweb.logfilters import RedactShareTokens

TOKEN = "c2hhcmUtdG9rZW4tZm9yLWxvZ3M"


def record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("runners", logging.INFO, __file__, 1, msg, args, None)


def test_a_share_path_in_the_arguments_loses_its_token():
    entry = record('"GET %s HTTP/1.1" %s', f"/s/{TOKEN}/card/?range=7d", 200)

    assert RedactShareTokens().filter(entry)

    assert entry.getMessage() == '"GET /s/[token]/card/?range=7d HTTP/1.1" 200'


def test_other_records_are_left_alone():
    entry = record("runner %s: %s", 7, "timeout")

    RedactShareTokens().filter(entry)

    assert entry.getMessage() == "runner 7: timeout"


def test_the_log_handler_redacts_every_record_it_writes():
    handlers = logging.getLogger().handlers

    assert any(isinstance(f, RedactShareTokens) for h in handlers for f in h.filters)


def test_an_invite_path_loses_its_token():
    entry = record('"POST %s HTTP/1.1" %s', f"/invite/{TOKEN}/", 302)

    RedactShareTokens().filter(entry)

    assert entry.getMessage() == '"POST /invite/[token]/ HTTP/1.1" 302'
