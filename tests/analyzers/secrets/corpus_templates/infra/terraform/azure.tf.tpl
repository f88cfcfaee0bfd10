resource "azurerm_storage_account" "exports" {
  name                     = "acmeexports"
  resource_group_name      = "rg-exports"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

locals {
  exports_connection = "DefaultEndpointsProtocol=https;AccountName=acmeexports;AccountKey=⟦azure⟧;EndpointSuffix=core.windows.net"
  tenant_id          = "⟪uuid⟫"
}
