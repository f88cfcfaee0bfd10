{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {},
   "outputs": [],
   "source": [
    "import pandas as pd\n",
    "import sqlalchemy as sa\n",
    "engine = sa.create_engine(\"postgresql://analyst:⟦urlpass⟧@warehouse.internal:5432/dwh\")\n",
    "api_key = \"⟦gcp_key⟧\"\n"
   ]
  },
  {
   "cell_type": "code",
   "execution_count": 2,
   "metadata": {},
   "outputs": [
    {
     "data": {
      "image/png": "⟪png⟫",
      "text/plain": ["<Figure size 640x480 with 1 Axes>"]
     },
     "metadata": {},
     "output_type": "display_data"
    }
   ],
   "source": [
    "token = os.environ[\"WAREHOUSE_TOKEN\"]\n",
    "headers = {\"Authorization\": \"Bearer ⟦jwt⟧\"}\n",
    "df.plot()\n"
   ]
  }
 ],
 "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
 "nbformat": 4,
 "nbformat_minor": 5
}
