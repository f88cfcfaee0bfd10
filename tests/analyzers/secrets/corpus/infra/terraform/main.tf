terraform {
  required_version = ">= 1.6"
  backend "s3" {
    bucket = "acme-tf-state"
    key    = "shop/prod.tfstate"
    region = "eu-west-1"
  }
}

provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIAVUDHR2EICXDSZOXI"
  secret_key = "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"
}

resource "aws_db_instance" "shop" {
  identifier     = "shop-prod"
  engine         = "postgres"
  instance_class = "db.t4g.medium"
  username       = "shop_admin"
  password       = "u+r2aaWdaw21t0s"
  kms_key_id     = "arn:aws:kms:eu-west-1:123456789012:key/a57cd649-0005-4f55-a3da-aae9dbbd6b0d"
}

resource "aws_db_instance" "analytics" {
  identifier = "analytics"
  engine     = "postgres"
  username   = "analytics"
  password   = var.analytics_db_password
}

variable "analytics_db_password" {
  type      = string
  sensitive = true
}
