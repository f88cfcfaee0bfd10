<!doctype html>
<html>
<head>
  <script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.2/dist/js/bootstrap.bundle.min.js"
          integrity="sha384-C6RzsynM9kWDrMNeT87bh95OGNyZPhcTNXj1NW7RuBCsyN/o0jlpcV8Qyq46cDfL"
          crossorigin="anonymous"></script>
  <meta name="google-site-verification" content="⟪sha1⟫">
</head>
<body data-csrf="{{ csrf_token() }}"></body>
</html>
