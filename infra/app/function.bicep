// Flex Consumption plan and the function app (Python 3.11), storage reached by identity.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerName string
param applicationInsightsConnectionString string
param instanceMemoryMB int
param maximumInstanceCount int
param appSettings object

@description('Application (client) id of the Entra ID app registration people sign in with; empty: no App Service Authentication.')
param authClientId string = ''

@description('Tenant of that app registration (and of the identity that stands in for its secret).')
param authTenantId string = ''

@secure()
@description('Client secret of the app registration; empty (recommended): the identity above proves the app instead.')
param authClientSecret string = ''

var authEnabled = !empty(authClientId)
// Easy Auth redeems the sign-in's authorization code with a client credential. Without one it
// falls back to the implicit flow (an ID token only), which Microsoft's docs for the Entra ID
// provider no longer recommend. The credential needs no secret: the app registration trusts this
// app's user-assigned identity through a federated identity credential (docs/deploy.md shows the
// one az command), and Easy Auth signs its code redemption with that identity when the client
// secret setting's name is the reserved OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID and that setting
// holds the identity's client id. Nothing expires, nothing to rotate or leak. A client secret
// (authClientSecret, kept in the app setting MICROSOFT_PROVIDER_AUTHENTICATION_SECRET) remains
// for tenants that cannot use that (still a preview feature of App Service Authentication).
var authSecretSettingName = empty(authClientSecret) ? 'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID' : 'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET'
var authCredentialSetting = empty(authClientSecret) ? { OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID: identityClientId } : { MICROSOFT_PROVIDER_AUTHENTICATION_SECRET: authClientSecret }
// Only tokens of the registration's own tenant (the issuer checks that too; this also covers
// bearer tokens sent to the API).
var authSettings = authEnabled ? union({ WEBSITE_AUTH_AAD_ALLOWED_TENANTS: authTenantId }, authCredentialSetting) : {}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertMode: 'Optional'
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: union(appSettings, {
      // Identity-based connection for the host, Durable Functions and the app's own storage.
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
      AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
      AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
      // The identity imports from Azure sign in with (a user-assigned one must be named).
      AZURE_CLIENT_ID: identityClientId
    }, authSettings)
  }
}

// App Service Authentication ("Easy Auth") with Entra ID, for the web app's pages: the browser
// signs in at /.auth/login/aad, and the platform then adds X-MS-CLIENT-PRINCIPAL (the user's
// app roles and claims) to its requests, after dropping any copy a caller sent, and sets the
// environment variable WEBSITE_AUTH_ENABLED, which the pages check before they trust that header.
// Unauthenticated requests are let through, so callers with a function key (the API,
// /runtime/webhooks/durabletask with its system key, Event Grid's blob webhook) work exactly as
// without it; the pages send a visitor with no principal to /.auth/login/aad themselves, and the
// app, not the platform, decides what each role may do.
// Deployed only with an app registration's client id (the registration belongs to the tenant's
// identity administrators, docs/deploy.md shows how to make it): without one the app deploys and
// serves its API with keys as before.
resource auth 'Microsoft.Web/sites/config@2024-04-01' = if (authEnabled) {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
      runtimeVersion: '~1'
    }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
      // No excludedPaths: they only spare paths from a redirect or refusal that AllowAnonymous
      // never makes; every path, the API's included, gets the principal of a signed-in caller.
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          // https://login.microsoftonline.com/<tenant>/v2.0 in the public cloud: single tenant.
          openIdIssuer: '${environment().authentication.loginEndpoint}${authTenantId}/v2.0'
          clientSecretSettingName: authSecretSettingName
        }
        validation: {
          // Bearer tokens for the API: the client id is always accepted; this adds the default
          // Application ID URI, for tokens requested as api://<client id>/.default.
          allowedAudiences: ['api://${authClientId}']
        }
      }
    }
    login: {
      // The token store keeps the signed-in user's tokens for /.auth/me and /.auth/refresh.
      tokenStore: {
        enabled: true
      }
      // Pages redirect to /.auth/login/aad?post_login_redirect_uri=<a path of this site>, so no
      // external redirect URL is allowed.
      allowedExternalRedirectUrls: []
    }
  }
  // One writer of the site's configuration at a time, and the credential setting exists first.
  dependsOn: [functionApp::settings]
}

output name string = functionApp.name
output url string = 'https://${functionApp.properties.defaultHostName}'
output authEnabled bool = authEnabled
