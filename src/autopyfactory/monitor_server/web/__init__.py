"""The dashboard: server-rendered HTML with inline SVG plots; no JavaScript, nothing fetched at run time."""
