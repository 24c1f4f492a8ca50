# Writes data/fixtures/formats/* and the hostile workbooks of data/fixtures/malformed/:
#   python3 tools/sample/fixtures.py   (needs polars, xlwt, pandas and odfpy)
"""Fixtures for issue 13, written by the usual tools: Parquet by Python polars in
every codec, an Excel 97 workbook by xlwt, and hand-made OOXML for the hostile and
error-cell workbooks."""
import zipfile, polars as pl, xlwt, os

import sys
os.chdir(sys.argv[1] if len(sys.argv) > 1 else "data/fixtures")
fmt = "formats"
rows = {
    "year": [2025, 2025, 2025],
    "ministry_code": ["MI", "MEF", "MTNRA"],
    "trained": [1200, 800, 640],
    "trained_women": [500, 410, 300],
    "training_hours": [24000, 16000, 12800],
}
df = pl.DataFrame(rows)
for codec in ["snappy", "gzip", "lz4", "brotli", "zstd", "uncompressed"]:
    df.write_parquet(f"{fmt}/civil_servant_training.{codec}.parquet", compression=codec)

# Excel 97 (.xls, BIFF8) as xlwt writes it.
book = xlwt.Workbook()
sheet = book.add_sheet("Formation")
for col, h in enumerate(rows):
    sheet.write(0, col, h)
for r in range(3):
    for col, h in enumerate(rows):
        sheet.write(r + 1, col, rows[h][r])
book.save(f"{fmt}/civil_servant_training.xls")

# OpenDocument (.ods) as pandas writes it with odfpy.
import pandas as pd
pd.DataFrame(rows).to_excel(f"{fmt}/civil_servant_training.ods", engine="odf",
                            sheet_name="Formation", index=False)

def workbook(path, sheet_xml, shared=None):
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
          '</Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>')
    wb = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
          '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
          '<sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>')
    wbrels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
              '</Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", wb)
        z.writestr("xl/_rels/workbook.xml.rels", wbrels)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)

def sheet(dimension, rows_xml):
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<dimension ref="{dimension}"/><sheetData>{rows_xml}</sheetData></worksheet>')

def istr(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

# One cell at A1 and one at XFD1048576: a dense reader allocates 16,384 x 1,048,576 cells.
workbook("malformed/platforms.far_apart_cells.xlsx",
         sheet("A1:XFD1048576",
               '<row r="1">' + istr("A1", "period") + '</row>'
               '<row r="1048576">' + istr("XFD1048576", "x") + '</row>'))
# The same with the far cell at CV200000 (100 columns x 200,000 rows).
workbook("malformed/platforms.far_cell_cv200000.xlsx",
         sheet("A1:CV200000",
               '<row r="1">' + istr("A1", "period") + '</row>'
               '<row r="200000">' + istr("CV200000", "x") + '</row>'))
# An Excel error cell (#DIV/0!) where a number is expected.
head = ["year", "ministry_code", "trained", "trained_women", "training_hours"]
cols = "ABCDE"
xml = '<row r="1">' + "".join(istr(f"{c}1", h) for c, h in zip(cols, head)) + '</row>'
xml += ('<row r="2"><c r="A2"><v>2025</v></c>' + istr("B2", "MI") +
        '<c r="C2"><v>1200</v></c><c r="D2"><v>500</v></c>'
        '<c r="E2" t="e"><f>C2/0</f><v>#DIV/0!</v></c></row>')
workbook("malformed/civil_servant_training.div0.xlsx", sheet("A1:E2", xml))
# Region codes typed as numbers (1 for 01) in a connectivity workbook.
head = ["period", "region_code", "fibre_eligible_households", "ftth_subscribers",
        "coverage_4g_pct", "coverage_5g_pct", "rural_localities_connected"]
cols = "ABCDEFG"
xml = '<row r="1">' + "".join(istr(f"{c}1", h) for c, h in zip(cols, head)) + '</row>'
for r, (region, fibre) in enumerate([(1, 500000), (6, 900000), (12, 10000)], start=2):
    xml += (f'<row r="{r}">' + istr(f"A{r}", "2026-Q1") + f'<c r="B{r}"><v>{region}</v></c>'
            f'<c r="C{r}"><v>{fibre}</v></c><c r="D{r}"><v>{fibre // 3}</v></c>'
            f'<c r="E{r}"><v>95</v></c><c r="F{r}"><v>10</v></c><c r="G{r}"><v>5</v></c></row>')
workbook(f"{fmt}/connectivity.numeric_region_codes.xlsx", sheet(f"A1:G4", xml))

# Legacy workbooks that calamine would lay out as dense rectangles (issue 13).
# .xls with cells at A1 and IV65536: 256 x 65,536 cells for two.
book = xlwt.Workbook()
far = book.add_sheet("Feuil1")
far.write(0, 0, "period")
far.write(65535, 255, "x")
book.save("malformed/platforms.far_apart_cells.xls")

def ods(path, rows_xml):
    content = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
               ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
               ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="Feuil1">'
               f'{rows_xml}</table:table></office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>'
                '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)

def text_cell(text, repeat=1):
    return (f'<table:table-cell table:number-columns-repeated="{repeat}" office:value-type="string">'
            f'<text:p>{text}</text:p></table:table-cell>')

# .ods: A1, 98,998 empty rows, then a value in column ALL (the 1,000th): a
# 99,000 x 1,000 rectangle for two cells (under calamine's own cap of 100 million).
ods("malformed/platforms.far_apart_cells.ods",
    '<table:table-row>' + text_cell("period") + '</table:table-row>'
    '<table:table-row table:number-rows-repeated="98998"><table:table-cell/></table:table-row>'
    '<table:table-row><table:table-cell table:number-columns-repeated="999"/>'
    + text_cell("x") + '</table:table-row>')
# .ods: one value repeated over 1,000 columns and 100,000 rows (a few hundred bytes).
ods("malformed/platforms.repeated_cells.ods",
    '<table:table-row table:number-rows-repeated="100000">' + text_cell("x", 1000)
    + '</table:table-row>')
