⟦pkey⟧
