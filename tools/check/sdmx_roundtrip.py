#!/usr/bin/env python3
"""Reads an `md2030 export` back through an SDMX reader (sdmx1): the SDMX-ML
structure (code lists, data structure, dataflow) and the SDMX-CSV 2.0 observations,
then compares every observation with `results/observations.csv` of the same export,
read with Python's csv module. Prints a JSON summary; exits 1 on any difference.

    python3 tools/check/sdmx_roundtrip.py EXPORT_DIR
"""

import csv
import json
import sys

import sdmx


def main(export):
    structure = sdmx.read_sdmx(f"{export}/sdmx/structure.xml")
    flow = structure.dataflow["DF_MD2030"]
    dsd = flow.structure
    dimensions = [d.id for d in dsd.dimensions.components]
    message = sdmx.read_sdmx(f"{export}/sdmx/observations.csv", structure=flow)
    read = {}
    codes_missing = []
    for dataset in message.data:
        for obs in dataset.obs:
            key = tuple(str(obs.key[d].value) for d in dimensions)
            read[key] = (float(obs.value), str(obs.attached_attribute["UNIT_MEASURE"].value))
            for dim in dsd.dimensions.components:
                if dim.id == "TIME_PERIOD":
                    continue
                codelist = dim.local_representation.enumerated
                if str(obs.key[dim.id].value) not in codelist:
                    codes_missing.append((dim.id, str(obs.key[dim.id].value)))
    expected = {}
    with open(f"{export}/results/observations.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["breakdown"] == "region":
                area, breakdown, member = "MA-" + row["member"], "_T", "_T"
            elif row["breakdown"] == "":
                area, breakdown, member = "MA", "_T", "_T"
            else:
                area, breakdown, member = "MA", row["breakdown"], row["member"]
            expected[(row["indicator"], area, breakdown, member, row["period"])] = float(row["value"])
    mismatches = [
        {"key": list(k), "csv": v, "sdmx": read.get(k, (None,))[0]}
        for k, v in expected.items()
        if k not in read or read[k][0] != v
    ]
    extra = [list(k) for k in read if k not in expected]
    summary = {
        "dimensions": dimensions,
        "codelists": sorted(cl.id for cl in structure.codelist.values()),
        "observations_read": len(read),
        "observations_expected": len(expected),
        "mismatches": mismatches[:20],
        "extra": extra[:20],
        "codes_missing": codes_missing[:20],
    }
    print(json.dumps(summary))
    return 0 if not mismatches and not extra and not codes_missing else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
