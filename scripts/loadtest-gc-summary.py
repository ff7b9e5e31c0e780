#!/usr/bin/env python3
# Sums the per-second GC probe lines of the node logs (hacore*.log) in a load-test result folder:
# usage: scripts/loadtest-gc-summary.py DIR
import sys,re,glob,collections
d=sys.argv[1]
for f in sorted(glob.glob(d+'/hacore*.log')):
    g=[0,0,0]; pause=0; alloc=0; prom=[]; pz=[]; last=None; maxs=0
    for l in open(f):
        m=re.search(r'probe gc0 (\d+) gc1 (\d+) gc2 (\d+) pause ([\d.]+) ms alloc ([\d.]+) MB.*gen(\d) promoted ([\d.]+) MB pause ([\d.]+) ms',l)
        if m:
            for i in range(3): g[i]+=int(m[i+1])
            pause+=float(m[4]); alloc+=float(m[5]); maxs=max(maxs,float(m[4]))
            if int(m[1])>0: prom.append(float(m[7])); pz.append(float(m[8]))
    n=max(1,len(prom))
    print(f"{f.split('/')[-1][:40]:40} alloc {alloc:6.0f} MB  GCs gen0+ {g[0]:3} gen1+ {g[1]:3} gen2 {g[2]:2}  pause total {pause:6.0f} ms, worst second {maxs:5.0f} ms  MB alloc per GC {alloc/max(1,g[0]):5.1f}  last-ephemeral promoted avg {sum(prom)/n:5.1f} MB pause avg {sum(pz)/n:5.1f} ms")
