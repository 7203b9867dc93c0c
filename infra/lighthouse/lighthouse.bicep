// Azure Lighthouse registration a CLIENT deploys, once per subscription, to let the partner's
// Advisor Reports read that subscription's Advisor recommendations: it delegates the Reader
// role on the subscription to the function app's managed identity in the partner's tenant.
// Reader (acdd72a7-...) includes Microsoft.Advisor/recommendations/read and
// Microsoft.Resources/subscriptions/read, all an import does; nothing can be changed through it.
// The client can remove the delegation at any time (Azure portal > Service providers, or
// delete the registration assignment); imports then name the subscription and the role it
// needs (docs/azure-import.md, Faults).
//
//   az deployment sub create --location westeurope \
//     --template-file infra/lighthouse/lighthouse.bicep \
//     --parameters managedByTenantId=<partner tenant id> principalId=<identity's object id>
//
// docs/deploy.md ("Importing from a client's Azure") says where the two values come from.
targetScope = 'subscription'

@description('The partner\'s tenant id, where Advisor Reports runs (azd output AZURE_TENANT_ID).')
param managedByTenantId string

@description('The object (principal) id of the function app\'s managed identity in the partner\'s tenant (azd output AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID).')
param principalId string

@description('How the identity is shown to the client in the Azure portal.')
param principalDisplayName string = 'Advisor Reports'

@description('The offer\'s name, as the client sees it under Service providers.')
@maxLength(200)
param offerName string = 'Advisor Reports: read Azure Advisor recommendations'

@description('What the offer is for, as the client sees it.')
param offerDescription string = 'Reads this subscription\'s Azure Advisor recommendations (Reader role) to prepare the monthly Advisor report. Nothing can be changed through this delegation.'

// Reader, a built-in role: the same id in every tenant.
var readerRoleDefinitionId = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'
// Deterministic names: deploying again updates the same registration instead of adding one.
var definitionName = guid(managedByTenantId, principalId, 'advisor-reports-lighthouse')

resource definition 'Microsoft.ManagedServices/registrationDefinitions@2022-10-01' = {
  name: definitionName
  properties: {
    registrationDefinitionName: offerName
    description: offerDescription
    managedByTenantId: managedByTenantId
    authorizations: [
      {
        principalId: principalId
        principalIdDisplayName: principalDisplayName
        roleDefinitionId: readerRoleDefinitionId
      }
    ]
  }
}

resource assignment 'Microsoft.ManagedServices/registrationAssignments@2022-10-01' = {
  name: guid(definitionName, subscription().subscriptionId)
  properties: {
    registrationDefinitionId: definition.id
  }
}

output registrationDefinitionId string = definition.id
output registrationAssignmentId string = assignment.id
output subscriptionId string = subscription().subscriptionId
