#!/usr/bin/env python3
"""bench/cpu.py SERVER_PID CMD...: runs CMD (wrk, pgbench) and prints, after its output, the CPU
seconds the server process and the postgres processes (only those of database $DB when set)
used meanwhile, from /proc, sampled every 0.1 s so that backends which end before CMD does
still count (up to their last sample). Divided by the requests CMD made, it is CPU a request:
steadier than requests/s on a machine shared with other work.

  DB=mydb bench/cpu.py "$SERVER_PID" wrk -t2 -c64 -d10s -s bench/get.lua URL
"""
import os, subprocess, sys, threading, time
HZ = os.sysconf('SC_CLK_TCK')
DB = os.environ.get('DB')
def ticks(pid):
    try:
        f = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
        return int(f[11]) + int(f[12])
    except OSError:
        return None
def pg():
    out = {}
    for p in os.listdir('/proc'):
        if p.isdigit():
            try:
                cmd = open(f'/proc/{p}/cmdline').read()
                if open(f'/proc/{p}/comm').read().strip() == 'postgres' and (not DB or f' {DB} ' in cmd):
                    t = ticks(p)
                    if t is not None: out[p] = t
            except OSError: pass
    return out
spid = sys.argv[1]
s1, p1 = ticks(spid), pg()
seen = dict(p1); done = False
def poll():
    while not done:
        for p, t in pg().items(): seen[p] = max(seen.get(p, 0), t)
        time.sleep(0.1)
th = threading.Thread(target=poll); th.start()
r = subprocess.run(sys.argv[2:], capture_output=True, text=True)
done = True; th.join()
s2 = ticks(spid)
for p, t in pg().items(): seen[p] = max(seen.get(p, 0), t)
sys.stdout.write(r.stdout)
pgs = sum(t - p1.get(p, 0) for p, t in seen.items())
print(f"CPU server_s={((s2 or 0) - (s1 or 0)) / HZ:.2f} postgres_s={pgs / HZ:.2f}")
