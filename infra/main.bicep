// Advisor Reports on Azure Functions Flex Consumption, with identity-based storage access.
// Plain resources only (no registry modules), so the templates can be checked offline.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; makes resource names unique.')
param environmentName string

@minLength(1)
@description('Azure region for every resource.')
param location string

@description('Object id of the person deploying, granted data access for troubleshooting. Leave empty to skip.')
param principalId string = ''

@description('Memory per instance of the function app, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Most instances the function app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Days a failed report is kept before the daily cleanup deletes it.')
param failedReportRetentionDays int = 7

@description('Days the Durable history of finished orchestrations is kept.')
param durableHistoryRetentionDays int = 30

@description('Azure Resource Manager endpoint imports read Advisor from: the public cloud\'s, or a sovereign cloud\'s (https://management.usgovcloudapi.net, https://management.chinacloudapi.cn).')
param azureResourceManagerEndpoint string = environment().resourceManager

@description('Application (client) id of the Entra ID app registration for signing people in (App Service Authentication). Empty: no sign-in, the API works with function keys only.')
param authClientId string = ''

@description('Tenant of that app registration. Empty: the subscription\'s tenant.')
param authTenantId string = ''

@secure()
@description('Client secret of that app registration. Leave empty: the app\'s managed identity stands in for it (docs/deploy.md).')
param authClientSecret string = ''

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = 'func-advisor-${resourceToken}'
var deploymentContainerName = 'app-package-${take(resourceToken, 16)}'
var uploadsContainerName = 'advisor-uploads'
var reportsContainerName = 'reports'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-advisor-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'stadv${resourceToken}'
    location: location
    tags: tags
    containerNames: [deploymentContainerName, uploadsContainerName, reportsContainerName]
    tableNames: ['Reports', 'Clients', 'Exclusions', 'Audit', 'Shares', 'RateLimits', 'Actions']
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-advisor-${resourceToken}'
    applicationInsightsName: 'appi-advisor-${resourceToken}'
    location: location
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
  }
}

module events 'app/events.bicep' = {
  name: 'events'
  scope: rg
  params: {
    name: 'evgt-advisor-${resourceToken}'
    location: location
    tags: tags
    storageAccountId: storage.outputs.id
  }
}

module function 'app/function.bicep' = {
  name: 'function'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-advisor-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    authClientId: authClientId
    authTenantId: empty(authTenantId) ? subscription().tenantId : authTenantId
    authClientSecret: authClientSecret
    appSettings: {
      TASK_HUB_NAME: 'AdvisorReports'
      UPLOADS_CONTAINER: uploadsContainerName
      REPORTS_CONTAINER: reportsContainerName
      MAX_UPLOAD_BYTES: '104857600'
      MAX_ROWS: '1000000'
      RECOMMENDATION_SHARDS: '16'
      FAILED_REPORT_RETENTION_DAYS: string(failedReportRetentionDays)
      DURABLE_HISTORY_RETENTION_DAYS: string(durableHistoryRetentionDays)
      AZURE_RESOURCE_MANAGER_ENDPOINT: azureResourceManagerEndpoint
      // Two malloc arenas a worker process, not eight a core: activities run on threads, and
      // each thread's arena kept what a large export's step freed (docs/scale.md: a million
      // rows against a million-row baseline peaked at 769 MB a worker, 614 MB with two).
      MALLOC_ARENA_MAX: '2'
    }
  }
  // The identity needs its data roles before the host starts and reaches storage.
  dependsOn: [rbac]
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = function.outputs.name
output AZURE_FUNCTION_URL string = function.outputs.url
// The object id the app registration's federated credential names as its subject (docs/deploy.md).
output AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output AUTH_ENABLED bool = function.outputs.authEnabled
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_EVENTGRID_SYSTEM_TOPIC_NAME string = events.outputs.name
output UPLOADS_CONTAINER string = uploadsContainerName
