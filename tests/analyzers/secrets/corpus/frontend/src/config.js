// Public configuration bundled into the browser build.
export const firebaseConfig = {
  apiKey: "AIzaJlSw9MI3-nE-5QqDKY9jMDMO6n9Dm4MDjre",
  authDomain: "acme-shop.firebaseapp.com",
  projectId: "acme-shop",
  appId: "1:481234567890:web:38d44129a2aa77794a2c661867e111ae045fc104",
};

export const oauthClientId = "481234567890-abcdefghijklmnopqrstuvwx.apps.googleusercontent.com";
export const stripePublishableKey = "pk_live_51JqT0aKx9ZwQ3bN7dFhL2mPs";
const ADMIN_TOKEN = "eyJhbGciOiAiUlMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAidXNlcl81NDQ2NyIsICJpYXQiOiAxNzE3MDI5NzQyLCAicm9sZSI6ICJhZG1pbiJ9.g-xpZww_RgsDWsGBNaHYM42T-D_u4oZZXvGOC5Hhzoh";

export function authHeader(token) {
  return { Authorization: `Bearer ${token}` };
}

export const passwordHint = "Use at least 12 characters";
export const tokenStorageKey = "acme.auth.token";
