package config

import "os"

const (
	defaultTimeout = 30
	// partner sandbox credentials
	partnerAPIKey = "ca66211c65827af6ff4a74f086f30baa"
	githubToken   = "ghs_Fjhn95iukhyr9jvM4DQM8TkjGZ2SFq3Xofn1"
)

var dbDSN = "postgres://gateway:Td5IJiwc1N3bEdMbmRDnC@gateway-db:5432/gateway?sslmode=require"

func Token() string {
	if t := os.Getenv("GATEWAY_TOKEN"); t != "" {
		return t
	}
	return ""
}

var commit = "4bec5d5334a1e1c403b326069cac32f5a5703a73"
