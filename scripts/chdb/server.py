"""A current ClickHouse engine over HTTP, for the tests: chDB (PyPI chdb-core,
the ClickHouse engine in process) behind the subset of ClickHouse's HTTP
interface that @clickhouse/client uses (ping, query, command, insert/exec,
query parameters, per-request settings, typed errors).

chDB cannot listen by itself, so this front end does. It has no users, no
authentication and no sessions: access-control tests stay on a real server.
One chDB session serves every request, one request at a time (chDB is not
re-entrant); each request's settings and database are set before its query
and reset after it, so requests do not leak settings into each other.

  python server.py --port 18124 --path DIR [--query-log FILE]

--query-log appends one JSON line per request ({"query": ..., "params": ...}):
tests read it to check which values reached the SQL text.

Inserts of binary rows (FORMAT RowBinary, Native) are streamed to chDB as
bytes (Session.send_insert); text-format inserts are appended to the SQL.
GET /custos/features tells what this front end supports.
"""
import argparse
import gzip
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from chdb import session as chdb_session

# URL parameters of ClickHouse's HTTP interface that are not settings.
NOT_SETTINGS = {
    'query', 'database', 'query_id', 'default_format', 'session_id', 'session_timeout', 'session_check',
    'user', 'password', 'quota_key', 'compress', 'decompress', 'buffer_size', 'wait_end_of_query', 'role',
}
SETTING_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
ERROR_CODE = re.compile(r'Code: (\d+)')
# `INSERT INTO t [(columns)] FORMAT <a binary format>`, the rows in the body.
BINARY_INSERT = re.compile(r'^\s*(INSERT\s+INTO\s+.+?)\s+FORMAT\s+(RowBinary|RowBinaryWithNames|RowBinaryWithNamesAndTypes|Native)\s*$', re.I | re.S)
# What this front end can do beyond the plain subset (GET /custos/features): tests ask instead of
# assuming, so a front end started from an older checkout is told apart from a broken path.
FEATURES = {'binary_inserts': True}
# What a server answers with for a few error codes; everything else is 500.
HTTP_STATUS = {60: 404, 81: 404, 62: 400, 516: 401}


class Engine:
    def __init__(self, path, query_log):
        self.session = chdb_session.Session(path)
        self.version = self.session.query('SELECT version()', 'TabSeparated').bytes().decode().strip()
        self.lock = threading.Lock()
        self.query_log = query_log

    def run(self, sql, fmt, database, settings, params):
        return self.within(sql, database, settings, params, lambda: self.session.query(sql, fmt, params=params or None).bytes())

    def insert(self, head, fmt, body, database, settings):
        """An INSERT whose rows come as bytes (RowBinary, Native): streamed to the engine as they are,
        never decoded as text (chDB's streaming insert, chdb-core >= 26.9)."""
        def send():
            inserter = self.session.send_insert(head, fmt)
            inserter.append(body)
            inserter.finish()
            return b''
        return self.within(f'{head} FORMAT {fmt}', database, settings, {}, send)

    def within(self, sql, database, settings, params, work):
        with self.lock:
            if self.query_log:
                with open(self.query_log, 'a', encoding='utf-8') as f:
                    f.write(json.dumps({'query': sql[:20000], 'params': params}) + '\n')
            applied = []
            try:
                if database:
                    self.session.query(f'USE `{database}`')
                for name, value in settings.items():
                    self.session.query(f'SET {name} = {quote(value)}')
                    applied.append(name)
                return work()
            finally:
                for name in applied:
                    self.session.query(f'SET {name} = DEFAULT')
                if database:
                    self.session.query('USE default')


def quote(value):
    return "'" + value.replace('\\', '\\\\').replace("'", "\\'") + "'"


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    engine = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.handle_request()

    def do_POST(self):
        self.handle_request()

    def read_body(self):
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            body = b''.join(chunks)
        else:
            body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        if self.headers.get('Content-Encoding', '').lower() == 'gzip':
            body = gzip.decompress(body)
        return body

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_request(self):
        url = urlsplit(self.path)
        body = self.read_body()
        # Where this server logs requests: a test run that finds a chDB already up (started from another
        # checkout) reads the log of the server it talks to, not a path of its own checkout.
        if url.path == '/custos/query-log':
            return self.reply(200, (self.engine.query_log or '').encode('utf-8'), [('Content-Type', 'text/plain; charset=UTF-8')])
        if url.path in ('/ping', '/'):
            if url.path == '/ping' or (not url.query and not body):
                return self.reply(200, b'Ok.\n', [('Content-Type', 'text/plain; charset=UTF-8')])
        if url.path == '/custos/features':
            return self.reply(200, json.dumps(FEATURES).encode('utf-8'), [('Content-Type', 'application/json')])
        args = dict(parse_qsl(url.query, keep_blank_values=True))
        query_id = args.get('query_id', '')
        # An insert of binary rows: its body goes to the engine as bytes (text formats are appended to the SQL).
        binary_insert = BINARY_INSERT.match(args['query']) if 'query' in args and body else None
        if binary_insert:
            sql = None
        elif 'query' in args:
            sql = args['query'] + ('\n' + body.decode('utf-8') if body else '')
        else:
            sql = body.decode('utf-8')
        params = {k[len('param_'):]: v for k, v in args.items() if k.startswith('param_')}
        settings = {k: v for k, v in args.items() if k not in NOT_SETTINGS and not k.startswith('param_') and SETTING_NAME.match(k)}
        fmt = args.get('default_format', 'TabSeparated')
        common = [('X-ClickHouse-Query-Id', query_id), ('X-ClickHouse-Server-Display-Name', 'chdb')]
        try:
            if binary_insert:
                out = self.engine.insert(binary_insert.group(1), binary_insert.group(2), body, args.get('database', ''), settings)
            else:
                out = self.engine.run(sql, fmt, args.get('database', ''), settings, params)
        except Exception as err:  # chDB raises its error text: "Code: 60. DB::Exception: ... (UNKNOWN_TABLE)"
            text = str(err)
            match = ERROR_CODE.search(text)
            code = int(match.group(1)) if match else 1002
            message = f'{text} (version {self.engine.version})\n'.encode('utf-8')
            return self.reply(HTTP_STATUS.get(code, 500), message,
                              common + [('X-ClickHouse-Exception-Code', str(code)), ('Content-Type', 'text/plain; charset=UTF-8')])
        summary = json.dumps({'read_rows': '0', 'read_bytes': '0', 'written_rows': '0', 'written_bytes': '0'})
        self.reply(200, out, common + [('X-ClickHouse-Summary', summary), ('Content-Type', 'text/plain; charset=UTF-8')])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--path', required=True)
    parser.add_argument('--query-log', default='')
    args = parser.parse_args()
    Handler.engine = Engine(args.path, args.query_log)
    server = ThreadingHTTPServer(('127.0.0.1', args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == '__main__':
    main()
