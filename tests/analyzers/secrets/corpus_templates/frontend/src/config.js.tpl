// Public configuration bundled into the browser build.
export const firebaseConfig = {
  apiKey: "⟦gcp_key⟧",
  authDomain: "acme-shop.firebaseapp.com",
  projectId: "acme-shop",
  appId: "1:481234567890:web:⟪sha1⟫",
};

export const oauthClientId = "481234567890-abcdefghijklmnopqrstuvwx.apps.googleusercontent.com";
export const stripePublishableKey = "pk_live_51JqT0aKx9ZwQ3bN7dFhL2mPs";
const ADMIN_TOKEN = "⟦jwt⟧";

export function authHeader(token) {
  return { Authorization: `Bearer ${token}` };
}

export const passwordHint = "Use at least 12 characters";
export const tokenStorageKey = "acme.auth.token";
