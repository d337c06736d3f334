import sys, docx, openpyxl
for p in sys.argv[1:]:
    print("=====", p)
    if p.endswith(".docx"):
        d = docx.Document(p)
        for para in d.paragraphs:
            if para.text.strip(): print(para.text)
        for t in d.tables:
            for r in t.rows:
                print(" | ".join(c.text for c in r.cells))
    else:
        wb = openpyxl.load_workbook(p)
        for ws in wb.worksheets:
            print("--", ws.title, ws.dimensions)
            for row in ws.iter_rows(values_only=True):
                print(" | ".join("" if v is None else str(v) for v in row))
