{
  "Logging": {"LogLevel": {"Default": "Information"}},
  "ConnectionStrings": {
    "Orders": "Server=tcp:orders.database.windows.net,1433;Database=orders;User ID=orders_app;Password=⟦password⟧;Encrypt=True;",
    "Reporting": "Server=reporting.internal;Database=reports;Integrated Security=True;",
    "Storage": "DefaultEndpointsProtocol=https;AccountName=acmemobile;AccountKey=⟦azure⟧;EndpointSuffix=core.windows.net"
  },
  "Jwt": {
    "Issuer": "https://auth.acme.example",
    "SigningKey": "⟦hexsecret⟧",
    "ExpiryMinutes": 60
  },
  "Push": {
    "FirebaseServerKey": "AAAA_placeholder_key",
    "ApiToken": "⟦jwt⟧"
  },
  "InstanceId": "⟪uuid⟫"
}
