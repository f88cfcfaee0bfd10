{
 "cells": [
  {
   "cell_type": "markdown",
   "metadata": {},
   "source": ["# Churn model\n", "Set `OPENAI_API_KEY` before running; never paste the key here.\n"]
  },
  {
   "cell_type": "code",
   "execution_count": 3,
   "metadata": {},
   "outputs": [{"name": "stdout", "output_type": "stream", "text": ["run id ⟪uuid⟫\n"]}],
   "source": [
    "password = getpass.getpass()\n",
    "SLACK_TOKEN = \"⟦slack⟧\"\n",
    "client = WebClient(token=SLACK_TOKEN)\n"
   ]
  }
 ],
 "metadata": {},
 "nbformat": 4,
 "nbformat_minor": 5
}
