<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="csrf-token" content="{{ csrf_token }}">
  <link rel="icon" href="data:image/png;base64,⟪png⟫">
  <script>
    window.CONFIG = {
      mapsKey: "⟦gcp_key⟧",
      apiBase: "https://api.shop.example",
      sentry: "https://⟪sha1⟫@o11.ingest.sentry.io/42"
    };
  </script>
</head>
<body>
  <img alt="logo" src="data:image/png;base64,⟪png⟫">
  <form method="post" action="/login">
    <input type="password" name="password" placeholder="Password">
    <input type="hidden" name="token" value="{{ form_token }}">
  </form>
</body>
</html>
