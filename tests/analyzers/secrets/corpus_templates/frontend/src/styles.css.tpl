@font-face {
  font-family: "Inter";
  src: url("data:font/woff2;base64,⟪png⟫") format("woff2");
}
.logo { background-image: url("data:image/svg+xml;base64,⟪png⟫"); }
.token-badge { color: #3f51b5; }
