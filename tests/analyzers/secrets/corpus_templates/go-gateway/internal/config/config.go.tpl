package config

import "os"

const (
	defaultTimeout = 30
	// partner sandbox credentials
	partnerAPIKey = "⟦hexsecret⟧"
	githubToken   = "⟦github⟧"
)

var dbDSN = "postgres://gateway:⟦urlpass⟧@gateway-db:5432/gateway?sslmode=require"

func Token() string {
	if t := os.Getenv("GATEWAY_TOKEN"); t != "" {
		return t
	}
	return ""
}

var commit = "⟪sha1⟫"
