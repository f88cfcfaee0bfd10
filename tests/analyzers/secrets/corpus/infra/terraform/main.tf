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
  access_key = "AKIA36LJURPSVNQH74KI"
  secret_key = "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"
}

resource "aws_db_instance" "shop" {
  identifier     = "shop-prod"
  engine         = "postgres"
  instance_class = "db.t4g.medium"
  username       = "shop_admin"
  password       = "CtGjRJFs^dAK"
  kms_key_id     = "arn:aws:kms:eu-west-1:123456789012:key/7955eb92-0ea9-42cd-ae02-ef698c85eaa4"
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
