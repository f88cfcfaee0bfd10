resource "azurerm_storage_account" "exports" {
  name                     = "acmeexports"
  resource_group_name      = "rg-exports"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

locals {
  exports_connection = "DefaultEndpointsProtocol=https;AccountName=acmeexports;AccountKey=uuf7uw6FPblH0Z1jJdPJ3+87UZ6JGx6ZbjBfEe2lzJY4gVFtvEshT0nem2OjssSff1Kf2OOZHIp2FLmeEdMxx6==;EndpointSuffix=core.windows.net"
  tenant_id          = "4b54be56-b111-41bc-a7c2-6d5ef6518aee"
}
