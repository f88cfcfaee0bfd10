import jwt

SERVICE_TOKEN = "eyJhbGciOiAiUlMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAidXNlcl80ODAyOCIsICJpYXQiOiAxNzE3MzQ1ODI0LCAicm9sZSI6ICJhZG1pbiJ9.8aI09YoP1k_u468dhphm_-RwGqrODOKOFV36KecyvpE"
ISSUER_PRIVATE_KEY = """-----BEGIN PRIVATE KEY-----
dCzmAuOkUve7s1EiPbgEZqgf3Ob7CGqfqmsCr39hspzZloUShWlsAyAUXLFC3R35
zw6PbD1TJcfD+v9uho3k7eQK/uDP3ukv1d/FBO05+MBG5j3+d+q5XJ9wbK6e0tx4
w+WxO4WZEF03C/WAnkREBN36qpo4DApyhzTRlc1pAC41lH+CCsgVKKxC0u7NcH73
WoNeOO2TMvV9NM3rCvB3gr5ILKQxHBH+5PC/xwjkPD3fLALT2kNzxvAe/IFJw5me
IEc6YSnIrZmWyYE88SZ+YS+o2NwKONEVT+KxOPE3xyB7hSl8YSvqTsHUZgtRxSf+
3ur0VOHVn8xfnJSI16yJhstcrgmQl553hdTjwptprTF8yXJU81YI1OPQc8GQ91Fj
/cvbOjzwtjNu0ei1HDA3/sINSGnWP2XLE5nwZX1RP4N75mSuTSO2hbqs8MNUAFHO
kkvoNmiuNH4F4oVfp/n90D5uZoLY0e0z1+1PTSyQpGGeywmcRMBrrhuPB631CdMZ
O0jns1tqlO1kLMfHgg3AB4LSpF87MW0MTYQrT2NZMF8ZfRauJhue6vDlhg/1mM6y
qjuLh+TJBf3HUOwiqmpInJRdZ6HI9mZ4ccaHCGSWuzLQIQQgDDVOpp7q60N4B9H0
1R9pUfxJ+y4DvXtsm2M7P/NY9KgrtGHbIsZzTsSF7P9PCm0qZlnehdq/wXyllQRt
X/01rv+TvGzWwlFMcR+PJ0Mnv97wM/SlOSn8cCdSrTifXZEYzXvwGRPXUjHauKdM
NKHWnfVaEpVwKZgTi9mu==
-----END PRIVATE KEY-----
"""
SAMPLE = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"


def issue(user_id: str) -> str:
    return jwt.encode({"sub": user_id}, ISSUER_PRIVATE_KEY, algorithm="RS256")


def verify(token: str, secret: str) -> dict:
    return jwt.decode(token, secret, algorithms=["RS256"])
