"""Record files staff hand on: readable timelines, Excel workbooks and the draft incident report."""
