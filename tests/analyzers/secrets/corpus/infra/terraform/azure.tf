resource "azurerm_storage_account" "exports" {
  name                     = "acmeexports"
  resource_group_name      = "rg-exports"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

locals {
  exports_connection = "DefaultEndpointsProtocol=https;AccountName=acmeexports;AccountKey=Jy6xIf6q+F4bYlJWVLszg1GVl2w8UtgstjlGlDzF1eVNcXFuZLEgyqgcoJObCBj38AP34VNeE0A1zye7KQ5ZGc==;EndpointSuffix=core.windows.net"
  tenant_id          = "6b8163f3-7d6b-4f0c-a2d2-de4fdcfae07f"
}
