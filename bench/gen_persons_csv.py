#!/usr/bin/env python3
"""Generates a persons CSV with valid GB 11643 ID numbers, and the SQL for
its grids.  usage: gen.py ROWS OUT.csv GRIDS.sql [--grids N] [--encoding utf-8-sig|gbk]"""
import random, sys
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
C = "10X98765432"
def check(id17): return C[sum(int(d) * w for d, w in zip(id17, W)) % 11]
rows, out, sqlout = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ngrids = int(sys.argv[sys.argv.index('--grids') + 1]) if '--grids' in sys.argv else 1000
enc = sys.argv[sys.argv.index('--encoding') + 1] if '--encoding' in sys.argv else 'utf-8-sig'
off = int(sys.argv[sys.argv.index('--offset') + 1]) if '--offset' in sys.argv else 0
grids = []
with open(sqlout, 'w') as s:
    t = "2026-01-01T00:00:00+08:00"
    s.write("BEGIN;\n")
    s.write(f"INSERT OR IGNORE INTO regions VALUES('431122','4311',2,'东安县','{t}');\n")
    for tw in range(1, 11):
        tc = f"431122{tw:03d}"
        s.write(f"INSERT INTO regions VALUES('{tc}','431122',3,'镇{tw}','{t}');\n")
        for v in range(1, 11):
            vc = f"{tc}{v:03d}"
            s.write(f"INSERT INTO regions VALUES('{vc}','{tc}',4,'村{v}','{t}');\n")
            for g in range(1, ngrids // 100 + 1):
                gc = f"{vc}{g:03d}"
                grids.append(gc)
                s.write(f"INSERT INTO regions VALUES('{gc}','{vc}',5,'网格{g}','{t}');\n")
    s.write("COMMIT;\n")
surn = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
with open(out, 'w', encoding=enc, newline='') as f:
    f.write("姓名,性别,出生日期,身份证号,电话,网格编码\r\n")
    for i in range(off, off + rows):
        y, m, d = 1930 + i % 90, 1 + i % 12, 1 + i % 28
        seq = i % 1000
        area = 430000 + (i // 1000) % 10000  # vary so that IDs are unique for 10M rows
        id17 = f"{area:06d}{y:04d}{m:02d}{d:02d}{seq:03d}"
        idn = id17 + check(id17)
        sex = "男" if seq % 2 else "女"
        name = surn[i % 20] + given[(i // 20) % len(given)] + (given[(i // 560) % len(given)] if i % 3 else "")
        phone = f"13{i % 10}{i:08d}"[:11]
        f.write(f"{name},{sex},{y:04d}-{m:02d}-{d:02d},{idn},{phone},{grids[i % len(grids)]}\r\n")
