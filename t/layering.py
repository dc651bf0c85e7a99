#!/usr/bin/env python3
"""layering.py - the one-way dependencies of HACKING, checked (TAP):

    lib <- keystore <- client <- {milter, send, bridge, tools}

Includes (from the sources): header names are unique (programs are
built with -I of several folders); no file includes a header of a folder above
its own or of a peer; the private headers of a folder are included only
there; headers include each other without a cycle.  Calls (from the
symbols of the built objects, nm): no object uses a symbol defined in a
folder above its own or in a peer, and no two files depend on each other
through any chain (no cycle between files).

    layering.py SRCDIR BUILDDIR
"""
import collections
import glob
import os
import re
import subprocess
import sys

RANK = {'lib': 0, 'keystore': 1, 'client': 2,
        'milter': 3, 'send': 3, 'bridge': 3, 'tools': 3}
PRIVATE = {'client/deliver_int.h', 'keystore/backend.h',
           'keystore/lmdb_int.h', 'keystore/pg_int.h'}

n = 0
failed = 0


def ok(cond, what, detail=()):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print('%sok %d - %s' % ('' if cond else 'not ', n, what))
    for d in list(detail)[:20]:
        print('#   ' + d)


def allowed(frm, to):
    """May folder frm depend on folder to?"""
    return RANK[to] < RANK[frm] or to == frm


def cycles(graph):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(100000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def includes(src):
    where, twice = {}, []
    for d in RANK:
        for h in glob.glob(os.path.join(src, d, '*.h')):
            b = os.path.basename(h)
            if b in where:
                twice.append('%s and %s/%s' % (where[b], d, b))
            where[b] = d + '/' + b
    # includes are "name.h" with -I of several folders: one name, one file
    ok(not twice, 'every header name is unique across the folders', twice)
    up, private, graph = [], [], collections.defaultdict(set)
    for d in RANK:
        for f in sorted(glob.glob(os.path.join(src, d, '*.[ch]'))):
            me = d + '/' + os.path.basename(f)
            for line in open(f, encoding='utf-8', errors='replace'):
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not m or m.group(1) not in where:
                    continue
                h = where[m.group(1)]
                hd = h.split('/')[0]
                if not allowed(d, hd):
                    up.append('%s includes %s' % (me, h))
                if h in PRIVATE and hd != d:
                    private.append('%s includes %s' % (me, h))
                if me.endswith('.h'):
                    graph[me].add(h)
    ok(not up, 'no file includes a header of a folder above its own or '
       'of a peer', up)
    ok(not private, 'private headers are included only in their folder',
       private)
    cyc = cycles(graph)
    ok(not cyc, 'headers include each other without a cycle',
       [' -> '.join(c) for c in cyc])


def unit(build, o):
    """keystore/keystore_libkeystore_a-lmdb.o -> keystore/lmdb"""
    base = os.path.basename(o)[:-2]
    return os.path.relpath(os.path.dirname(o), build) + '/' + \
        base.split('-', 1)[-1]


def calls(src, build):
    # objects of sources that are gone (a stale build tree) do not count
    objs = [o for d in RANK for o in glob.glob(os.path.join(build, d, '*.o'))
            if os.path.exists(os.path.join(src, unit(build, o) + '.c'))]
    ok(len(objs) > 50, 'objects found in %s (%d)' % (build, len(objs)))
    defs, undefs = collections.defaultdict(set), collections.defaultdict(set)
    for o in objs:
        u = unit(build, o)
        nm = subprocess.run(['nm', o], capture_output=True, text=True)
        for line in nm.stdout.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in 'TDBRC':
                defs[f[2]].add(u)
            elif len(f) == 2 and f[0] == 'U':
                undefs[u].add(f[1])
    graph, up = collections.defaultdict(set), []
    for u, syms in undefs.items():
        for s in syms:
            for d in defs.get(s, ()):
                if d == u:
                    continue
                graph[u].add(d)
                if not allowed(u.split('/')[0], d.split('/')[0]):
                    up.append('%s uses %s of %s' % (u, s, d))
    ok(not up, 'no object uses a symbol of a folder above its own or of '
       'a peer', sorted(set(up)))
    cyc = cycles(graph)
    ok(not cyc, 'no cycle of calls between files',
       [' <-> '.join(c) for c in cyc])


def main():
    src, build = sys.argv[1], sys.argv[2]
    includes(src)
    calls(src, build)
    print('1..%d' % n)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
