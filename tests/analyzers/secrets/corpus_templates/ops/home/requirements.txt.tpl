--index-url https://ci:⟦urlpass⟧@pypi.internal/simple
--extra-index-url https://pypi.org/simple
django==5.0.6 \
    --hash=sha256:⟪sha256⟫
stripe==8.11.0 --hash=sha256:⟪sha256⟫
