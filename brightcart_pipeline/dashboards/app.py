"""BrightCart dashboards: `brightcart dashboard` (or `make dashboard`) serves this with Streamlit."""

from __future__ import annotations

import streamlit as st

from brightcart_pipeline.dashboards.finance import finance_page
from brightcart_pipeline.dashboards.marketing import marketing_page

st.set_page_config(page_title="BrightCart metrics", page_icon="📊", layout="wide")
navigation = st.navigation([
    st.Page(marketing_page, title="Marketing", url_path="marketing", default=True),
    st.Page(finance_page, title="Finance", url_path="finance"),
])
navigation.run()
