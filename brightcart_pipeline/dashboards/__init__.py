"""Streamlit dashboards (Marketing, Finance) that read numbers only through `brightcart_pipeline.metrics`."""
