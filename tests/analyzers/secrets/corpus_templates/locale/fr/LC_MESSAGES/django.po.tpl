msgid "Password"
msgstr "Mot de passe"

msgid "Your password can't be too similar to your other personal information."
msgstr "Votre mot de passe ne peut pas trop ressembler à vos autres informations personnelles."

msgid "Invalid token"
msgstr "Jeton invalide"
