// The Event Grid system topic of the storage account. Its subscription (BlobCreated in the
// uploads container -> the blob trigger's webhook) is created after deployment by
// infra/hooks/postdeploy.sh, because it needs the blobs_extension key that exists only then.
param name string
param location string
param tags object
param storageAccountId string

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    source: storageAccountId
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output name string = topic.name
