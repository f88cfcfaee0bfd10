registry=https://registry.npmjs.org/
//registry.npmjs.org/:_authToken=⟦npm⟧
//npm.internal/:_authToken=${NPM_TOKEN}
always-auth=true
